package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRedrive(t *testing.T) {
	e := newEnv(t)
	redrive := func(queue string) string { return "/_ironlocal/queues/" + project + "/" + queue + "/redrive" }

	t.Run("an error queue's failures are pushed again", func(t *testing.T) {
		s := newSubscriber(t, answers(http.StatusInternalServerError, http.StatusOK))
		e.pushQueue(t, "rd-push", "unicast", map[string]any{"retries": 0, "error_queue": "rd-push-err"}, sub("s", s.url))
		e.post(t, "rd-push", "charge order 42")
		e.waitPushes(t)
		require.Len(t, e.peek(t, "rd-push-err", "?n=10"), 1, "the failure is noticed")

		e.do(t, http.MethodPost, redrive("rd-push-err"), "").expect(t, http.StatusOK, `{"moved":1,"to":"rd-push"}`)
		e.waitPushes(t)
		require.Equal(t, []string{"charge order 42", "charge order 42"}, s.bodies(), "the original body, pushed again")
		require.Empty(t, e.peek(t, "rd-push-err", "?n=10"))
	})

	t.Run("a dead-letter queue, a selection", func(t *testing.T) {
		e.do(t, http.MethodPut, queuePath("rd-work"), `{"queue":{"dead_letter":{"queue_name":"rd-dead","max_reservations":1}}}`).
			decode(t, http.StatusOK, &struct{}{})
		e.post(t, "rd-work", "a", "b", "c")
		require.Len(t, e.reserve(t, "rd-work", `{"n":3,"timeout":30}`), 3)
		e.advance(31 * time.Second)
		require.Empty(t, e.reserve(t, "rd-work", `{"n":3}`), "dead-lettered")
		dead := e.peek(t, "rd-dead", "?n=10")
		require.Len(t, dead, 3)

		e.do(t, http.MethodPost, redrive("rd-dead"), `{"ids":["`+dead[2].ID+`","`+dead[0].ID+`"]}`).
			expect(t, http.StatusOK, `{"moved":2,"to":"rd-work"}`)
		require.Equal(t, []string{"a", "c"}, bodiesOf(e.peek(t, "rd-work", "?n=10")))
		require.Equal(t, []string{"b"}, bodiesOf(e.peek(t, "rd-dead", "?n=10")))
		e.do(t, http.MethodPost, redrive("rd-dead"), `{"to":"elsewhere","max":5}`).expect(t, http.StatusOK, `{"moved":1,"to":"elsewhere"}`)
		require.Equal(t, []string{"b"}, bodiesOf(e.peek(t, "elsewhere", "?n=10")))
	})

	t.Run("refused", func(t *testing.T) {
		e.post(t, "rd-lonely", "x")
		e.do(t, http.MethodPost, redrive("rd-lonely"), `{}`).expectMsg(t, http.StatusBadRequest,
			`Queue "rd-lonely" is no queue's dead-letter or error queue: say where its messages go in "to"`)
		e.do(t, http.MethodPost, redrive("rd-lonely"), `{"to":"x","ids":["nope"]}`).expectMsg(t, http.StatusBadRequest, "ids must be message ids")
		e.do(t, http.MethodPost, redrive("rd-lonely"), `{"to":"x","ids":["1234567890123456789"]}`).expectMsg(t, http.StatusNotFound, "Message not found")
		e.do(t, http.MethodPost, redrive("rd-none"), `{"to":"x"}`).expectMsg(t, http.StatusNotFound, "Queue not found")
		e.do(t, http.MethodPost, redrive("rd-lonely"), `{"to":`).expectError(t, http.StatusBadRequest)
		require.Len(t, e.peek(t, "rd-lonely", "?n=10"), 1, "nothing moved")
	})
}

func bodiesOf(msgs []message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Body
	}
	return out
}
