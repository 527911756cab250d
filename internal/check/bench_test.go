package check

import (
	"testing"

	"github.com/shipshape/shipshape/internal/snippet"
)

// corpus builds n blocks from the seed guides when present, else from the
// table of TestBlock; check has no cache, so repeats cost what originals do.
func corpus(b *testing.B, n int) []snippet.Snippet {
	b.Helper()
	var base []snippet.Snippet
	if files := seedFiles(); len(files) > 0 {
		base = seedBlocks(b)
	} else {
		for _, tc := range blockTable {
			base = append(base, blocks(b, tc.page)...)
		}
	}
	out := make([]snippet.Snippet, 0, n)
	for len(out) < n {
		out = append(out, base[len(out)%len(base)])
	}
	return out
}

// BenchmarkAll10k checks 10,000 blocks the way `shipshape check` does.
func BenchmarkAll10k(b *testing.B) {
	snips := corpus(b, 10000)
	b.ResetTimer()
	for b.Loop() {
		All(snips)
	}
}

// BenchmarkKind measures one block of each checked kind.
func BenchmarkKind(b *testing.B) {
	for _, tc := range []struct{ name, page string }{
		{"dockerfile", "```dockerfile\nFROM python:3.11-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nUSER 1000\nCMD [\"python\", \"app.py\"]\n```\n"},
		{"fragment", "```dockerfile\nRUN apt-get update && apt-get install -y curl\n```\n"},
		{"shell", "```bash\ndocker run -d \\\n  --name web \\\n  -p 8080:80 \\\n  nginx:1.25\ndocker logs web | grep ready\n```\n"},
		{"compose", "```yaml\nservices:\n  web:\n    image: nginx:1.25\n    ports: [\"8080:80\"]\n    depends_on: [db]\n  db:\n    image: postgres:16\n```\n"},
		{"yaml", "```yaml\na: 1\nb: [2, 3]\n```\n"},
	} {
		s := blocks(b, tc.page)[0]
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				Block(s)
			}
		})
	}
}
