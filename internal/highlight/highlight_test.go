package highlight

import (
	"io"
	"strings"
	"testing"
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
