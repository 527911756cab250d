package highlight

import (
	"io"
	"strings"
	"testing"

	"github.com/shipshape/shipshape/internal/lang"
)

var samples = map[string]string{
	"bash":       "docker run --rm -p 8080:80 -v \"$PWD\":/app nginx:1.27 # serve\nexport FOO=bar\nif [ -f x ]; then echo \"$FOO\"; fi\n",
	"console":    "$ docker ps --all\nCONTAINER ID   IMAGE\n$ docker run hello-world\nHello from Docker!\n",
	"dockerfile": "FROM alpine:3.20 AS build\nWORKDIR /app\nCOPY . .\nRUN apk add --no-cache curl git\nENV PORT=8080\nEXPOSE 8080\nCMD [\"./server\"]\n",
	"yaml":       "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n    environment:\n      MODE: production\n",
	"json":       "{\n  \"name\": \"app\",\n  \"port\": 8080,\n  \"tags\": [\"a\", \"b\"]\n}\n",
	"python":     "import os\n\ndef port(default):\n    return int(os.environ.get(\"PORT\", default))\n\nprint(port(8080))\n",
	"text":       "client -> proxy -> app\n",
}

func BenchmarkWrite(b *testing.B) {
	for lang, code := range samples {
		b.Run(lang, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if err := Write(io.Discard, code, lang, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestWriteEveryLanguage(t *testing.T) {
	// every language the seed guides use gets a lexer, and unknown ones
	// still come out escaped
	for _, lang := range []string{"bash", "sh", "console", "dockerfile", "yaml", "python", "nginx", "dockerignore", "json", "ini", "toml"} {
		if Lexer(lang) == nil {
			t.Errorf("Lexer(%q) = nil", lang)
		}
	}
	var b strings.Builder
	if err := Write(&b, "<b>&", "no-such-language", Options{}); err != nil || !strings.Contains(b.String(), "&lt;b&gt;&amp;") {
		t.Errorf("unknown language: %q, %v", b.String(), err)
	}
}

// TestFastLexersCover checks the scanners' invariant on many inputs: the
// tokens spell the input exactly, and no input makes them loop or panic.
func TestFastLexersCover(t *testing.T) {
	inputs := []string{"", "\n", "#", "a#b", "$", "${", "\"", "'", "`", "\\", "a=b c", "x: y: z", "- - a", "{", "\"k\": -1e5",
		"echo \"unterminated", "FROM a AS b\nRUN x \\\n  && y\n", "$ a \\\n  b\nout\n# root\n", "key: 'v' # c\n---\n- &a x\n- *a\n"}
	for _, code := range samples {
		inputs = append(inputs, code)
	}
	for name, lex := range fastLexers {
		for _, in := range inputs {
			var got strings.Builder
			for _, tok := range lex(in) {
				got.WriteString(tok.Value)
			}
			if got.String() != in {
				t.Errorf("%s lexer on %q spells %q", name, in, got.String())
			}
		}
	}
}

func FuzzFastLexers(f *testing.F) {
	for _, code := range samples {
		f.Add(code)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for name, lex := range fastLexers {
			var got strings.Builder
			for _, tok := range lex(in) {
				got.WriteString(tok.Value)
			}
			if got.String() != in {
				t.Fatalf("%s lexer on %q spells %q", name, in, got.String())
			}
		}
	})
}

func TestFastTokens(t *testing.T) {
	tests := []struct {
		lang, code, want string
	}{
		{"console", "$ docker ps\nID\n", `<span class="gp">$ </span><span class="nf">docker</span> ps`},
		{"console", "$ docker ps\nID\n", `<span class="go">ID`},
		{"bash", "# note\nexport A=1\n", `<span class="c1"># note</span>`},
		{"dockerfile", "FROM alpine AS build\n", `<span class="k">FROM</span> alpine <span class="k">AS</span> build`},
		{"yaml", "services:\n  web:\n    image: nginx\n", `<span class="nt">image</span><span class="p">:</span> <span class="s">nginx</span>`},
		{"json", "{\"a\": 1}\n", `<span class="nt">&#34;a&#34;</span><span class="p">:</span> <span class="m">1</span>`},
	}
	for _, tt := range tests {
		var b strings.Builder
		if err := Write(&b, tt.code, tt.lang, Options{}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tt.want) {
			t.Errorf("Write(%q, %s) = %s\nwant it to contain %s", tt.code, tt.lang, b.String(), tt.want)
		}
	}
}

func TestPythonTokens(t *testing.T) {
	var b strings.Builder
	if err := Write(&b, "@app.route('/')\ndef hello(name=\"x\"):\n    \"\"\"Doc\n    string\"\"\"\n    return None  # done\n", "python", Options{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<span class="nd">@app.route</span>`, `<span class="k">def</span> <span class="nf">hello</span>`,
		`<span class="s">&#34;&#34;&#34;Doc`, `<span class="kc">None</span>`, `<span class="c1"># done</span>`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("python output lacks %s:\n%s", want, b.String())
		}
	}
}

func TestShellDollar(t *testing.T) {
	var b strings.Builder
	if err := Write(&b, "grep '^x$' f | grep ^y$ && echo $HOME ${A} $?\n", "bash", Options{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{`^y$`, `<span class="nv">$HOME</span>`, `<span class="nv">${A}</span>`, `<span class="nv">$?</span>`} {
		if !strings.Contains(out, want) {
			t.Errorf("shell output lacks %s:\n%s", want, out)
		}
	}
}

// TestCSSContrast reads every colour rule back out of the stylesheet and
// checks it against the code backgrounds of its palette: the dark palette
// must cover every class the light one does, in both ways of asking for it.
func TestCSSContrast(t *testing.T) {
	css := CSS()
	light, sys, toggle := map[string]string{}, map[string]string{}, map[string]string{}
	inMedia := false
	for _, line := range strings.Split(css, "\n") {
		switch {
		case strings.HasPrefix(line, "@media (prefers-color-scheme: dark)"):
			inMedia = true
			continue
		case line == "}":
			inMedia = false
			continue
		}
		sel, rest, ok := strings.Cut(line, "{ color: ")
		if !ok {
			continue
		}
		colour, _, _ := strings.Cut(rest, ";")
		sel = strings.TrimSpace(sel)
		switch {
		case inMedia && strings.HasPrefix(sel, `:root:not([data-theme="light"]) `):
			sys[strings.TrimPrefix(sel, `:root:not([data-theme="light"]) `)] = colour
		case strings.HasPrefix(sel, `:root[data-theme="dark"] `):
			toggle[strings.TrimPrefix(sel, `:root[data-theme="dark"] `)] = colour
		case !inMedia && strings.HasPrefix(sel, ".chroma"):
			light[sel] = colour
		}
	}
	if len(light) < 50 {
		t.Fatalf("only %d light rules in\n%s", len(light), css)
	}
	for _, class := range []string{".chroma .p", ".chroma .nx", ".chroma .na", ".chroma .nb", ".chroma .s2", ".chroma .c1", ".chroma .k"} {
		if light[class] == "" {
			t.Errorf("no light rule for %s", class)
		}
	}
	for sel := range light {
		for name, dark := range map[string]map[string]string{"prefers-color-scheme": sys, "data-theme": toggle} {
			if dark[sel] == "" {
				t.Errorf("%s has a light colour but no dark one under %s", sel, name)
			}
		}
	}
	check := func(palette string, rules map[string]string, bgs []string) {
		for sel, c := range rules {
			for _, bg := range bgs {
				if r := Contrast(c, bg); r < MinContrast {
					t.Errorf("%s %s: %s on %s has contrast %.2f, want ≥ %.1f", palette, sel, c, bg, r, MinContrast)
				}
			}
		}
	}
	check("light", light, lightBackgrounds)
	check("dark (system)", sys, darkBackgrounds)
	check("dark (toggle)", toggle, darkBackgrounds)
}

func TestContrast(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#777777", "#ffffff", 4.48},
	}
	for _, tt := range tests {
		if got := Contrast(tt.a, tt.b); got < tt.want-0.01 || got > tt.want+0.01 {
			t.Errorf("Contrast(%s, %s) = %.2f, want %.2f", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestEveryLabelDraws: each label of the language table that names a lexer
// finds one, so no block the table knows falls back to plain text.
func TestEveryLabelDraws(t *testing.T) {
	for _, l := range lang.Labels() {
		if lang.Lexer(l) != "" && Lexer(l) == nil && fastLexers[lang.Lexer(l)] == nil {
			t.Errorf("label %q: lexer %q not found", l, lang.Lexer(l))
		}
	}
}
