package lang

import "testing"

func TestLookup(t *testing.T) {
	tests := []struct {
		label                string
		kind, lexer, caption string
		known                bool
	}{
		{"dockerfile", "dockerfile", "docker", "Dockerfile", true},
		{"Dockerfile", "dockerfile", "docker", "Dockerfile", true},
		{" containerfile ", "dockerfile", "docker", "Dockerfile", true},
		{"sh", "shell", "bash", "shell", true},
		{"zsh", "shell", "bash", "shell", true},
		{"console", "console", "console", "terminal", true},
		{"terminal", "console", "console", "terminal", true},
		{"yml", "yaml", "yaml", "yaml", true},
		{"compose", "compose", "yaml", "compose", true},
		{"docker-compose", "compose", "yaml", "docker-compose", true},
		{"jsonc", "json", "json", "jsonc", true},
		{"py", "python", "python", "py", true},
		{"gitignore", "dockerignore", "dockerignore", "gitignore", true},
		{"env", "ini", "bash", "env", true},
		{"conf", "ini", "ini", "conf", true},
		{"text", "text", "", "", true},
		{"log", "output", "", "", true},
		{"mermaid", "diagram", "", "mermaid", true},
		{"go", "code", "go", "go", true},
		{"C++", "code", "c++", "c++", true},
		{"haskell", "", "", "", false},
		{"", "", "", "", false},
	}
	for _, tt := range tests {
		e, ok := Lookup(tt.label)
		if ok != tt.known || e.Kind != tt.kind || e.Lexer != tt.lexer || e.Caption != tt.caption {
			t.Errorf("Lookup(%q) = %+v, %v; want {Kind:%s Lexer:%s Caption:%s}, %v", tt.label, e, ok, tt.kind, tt.lexer, tt.caption, tt.known)
		}
	}
}

// TestUnknown: a label the table lacks goes to chroma and is shown as written.
func TestUnknown(t *testing.T) {
	for label, want := range map[string]string{"Haskell": "haskell", " elixir": "elixir", "": ""} {
		if got := Lexer(label); got != want {
			t.Errorf("Lexer(%q) = %q, want %q", label, got, want)
		}
		if got := Caption(label); got != want {
			t.Errorf("Caption(%q) = %q, want %q", label, got, want)
		}
	}
}

// TestDialect: Windows shells' labels are known as such, whatever their
// case, and are not in the table (their blocks are classified by content).
func TestDialect(t *testing.T) {
	for label, want := range map[string]string{
		"bat": Cmd, "DOSCON": Cmd, " cmd ": Cmd,
		"powershell": PowerShell, "PS1": PowerShell, "pwsh": PowerShell,
		"bash": "", "console": "", "": "",
	} {
		if got := Dialect(label); got != want {
			t.Errorf("Dialect(%q) = %q, want %q", label, got, want)
		}
		if _, ok := Lookup(label); ok && want != "" {
			t.Errorf("%q is a dialect and in the table", label)
		}
	}
}
