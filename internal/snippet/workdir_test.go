package snippet

import "testing"

func TestWorkDir(t *testing.T) {
	for _, tt := range []struct{ page, want string }{
		{"content/08-compose/compose-basics.md", "/work/compose-basics"},
		{"content/02-images/index.md", "/work/02-images"},
		{"content/index.md", "/work/content"},
		{"index.md", "/work/index"},
		{`content\04-storage\Volumes.md`, "/work/volumes"},
		{"docs/My Page (draft).md", "/work/mypagedraft"},
		{"docs/_intro.md", "/work/intro"},
		{"docs/Überblick.md", "/work/berblick"},
		{"docs/日本.md", "/work/page"},
	} {
		if got := WorkDir(tt.page); got != tt.want {
			t.Errorf("WorkDir(%q) = %q, want %q", tt.page, got, tt.want)
		}
	}
}
