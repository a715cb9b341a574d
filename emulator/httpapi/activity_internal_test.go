package httpapi

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAnswerIDs(t *testing.T) {
	for name, tc := range map[string]struct {
		body string
		want []string
	}{
		"post":          {`{"ids":["1","2"],"msg":"Messages put on queue."}`, []string{"1", "2"}},
		"reserve":       {`{"messages":[{"id":"7","body":"{\"id\":\"no\"}","reservation_id":"r","reserved_count":1},{"id":"8","body":"x"}]}`, []string{"7", "8"}},
		"tasks":         {`{"msg":"Queued up","tasks":[{"id":"a"},{"id":"b"}]}`, []string{"a", "b"}},
		"nested ids":    {`{"x":{"ids":["n"]},"id":"top"}`, []string{"n", "top"}},
		"cut short":     {`{"messages":[{"id":"7","body":"xxxx`, []string{"7"}},
		"not an object": {`"id"`, nil},
		"empty":         {``, nil},
		"number id":     {`{"id":5}`, nil},
	} {
		assert.Equal(t, tc.want, answerIDs([]byte(tc.body)), name)
	}
}
