package tcironlocal_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ironlocal/ironlocal/internal/doccheck"
)

// The complete test file the package documentation starts with is
// doc_example_test.go word for word, but for its package and test names:
// `go test` runs the example people see first (TestContainer_PackageDoc,
// with the examples, where Docker is). README.md shows it as it is.
func TestPackageDoc_ExampleIsDocExampleTest(t *testing.T) {
	doc, err := doccheck.Example(".")
	require.NoError(t, err)
	src, err := os.ReadFile("doc_example_test.go")
	require.NoError(t, err)
	_, code, ok := strings.Cut(string(src), "\n\npackage ") // after the file's own comment
	require.True(t, ok)
	code = "package " + code
	got := strings.Replace(strings.Replace(doc, "package orders_test\n", "package tcironlocal_test\n", 1),
		"func TestOrders(", "func TestContainer_PackageDoc(", 1)
	require.Equal(t, code, got, "tcironlocal/doc.go's example and doc_example_test.go differ")

	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	require.Contains(t, string(readme), "```go\n"+doc+"```\n", "README.md's usage example is the package documentation's")
}
