package model

import (
	"errors"
	"fmt"
	"go/token"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ironlocal/ironlocal/client/exporttest"
)

// Export test… on the Events screen (package client/exporttest does the
// work): the test name it asks for and the notice it ends with.

// DefaultTestName is the generated test's name unless the user picks one.
const DefaultTestName = "TestRecorded"

// CheckTestName says why name cannot name the generated test: it must be
// a Go identifier that go test runs, "Test" alone or followed by anything
// but a lower-case letter (TestRecorded, Test_queue, not Testing).
func CheckTestName(name string) error {
	switch {
	case name == "":
		return errors.New("name the test")
	case !strings.HasPrefix(name, "Test"):
		return errors.New("a test's name starts with Test")
	case !token.IsIdentifier(name):
		return errors.New("letters, digits and _ only, as a Go identifier")
	}
	if r, _ := utf8.DecodeRuneInString(name[len("Test"):]); unicode.IsLower(r) {
		return fmt.Errorf("go test skips %s: the letter after Test must not be lower-case", name)
	}
	return nil
}

// ExportTestNotice says what an export wrote: the test file, how many
// writes it replays (how many of them setup, before the span) and how
// much state it checks.
func ExportTestNotice(s exporttest.Summary) string {
	return fmt.Sprintf("Wrote %s: %s (%d setup), %s, %s, %s checked", filepath.Join(s.Dir, "recorded_test.go"),
		Counted(s.Inputs, "write"), s.Setup, Counted(len(s.Expect.Queues), "queue"),
		Counted(len(s.Expect.Items), "item"), Counted(len(s.Expect.Tasks), "task"))
}
