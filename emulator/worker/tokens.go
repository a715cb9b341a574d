package worker

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// TaskTokenGrace is how long a task's token stays valid after the task
// ends: a client inside it may still flush what it buffered.
const TaskTokenGrace = time.Minute

// taskTokenMACLen is the length of a task token's MAC, in hex digits.
const taskTokenMACLen = 32

// taskTokens mints and verifies the IRON_TOKEN each task runs with:
// "ironlocal-task.<task id>.<mac>", mac being the first 32 hex digits of
// HMAC-SHA256(key, task id) under a key drawn at random for this process.
// A token is valid while its task runs and TaskTokenGrace after it ends,
// by the emulator's clock; a restart or a reset forgets every token.
type taskTokens struct {
	key   [32]byte
	clock emulator.Clock

	mu   sync.Mutex
	live map[string]liveToken // task id →
}

type liveToken struct {
	project string
	ended   time.Time // zero while the task runs
}

func newTaskTokens(clock emulator.Clock) *taskTokens {
	t := &taskTokens{clock: clock, live: map[string]liveToken{}}
	_, _ = rand.Read(t.key[:]) // crypto/rand never fails (Go ≥ 1.24)
	return t
}

func (t *taskTokens) mac(taskID string) string {
	m := hmac.New(sha256.New, t.key[:])
	m.Write([]byte(taskID))
	return hex.EncodeToString(m.Sum(nil))[:taskTokenMACLen]
}

// mint returns the token of a task that starts running, and forgets the
// tokens whose grace has passed.
func (t *taskTokens) mint(project, taskID string) string {
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, l := range t.live {
		if t.expired(l, now) {
			delete(t.live, id)
		}
	}
	t.live[taskID] = liveToken{project: project}
	return emulator.TaskTokenPrefix + taskID + "." + t.mac(taskID)
}

// end starts the grace of a task's token: the task has ended.
func (t *taskTokens) end(taskID string) {
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if l, ok := t.live[taskID]; ok && l.ended.IsZero() {
		l.ended = now
		t.live[taskID] = l
	}
}

// verify returns the task a token speaks for, if it is valid now.
func (t *taskTokens) verify(token string) (emulator.TaskToken, bool) {
	rest, ok := strings.CutPrefix(token, emulator.TaskTokenPrefix)
	if !ok {
		return emulator.TaskToken{}, false
	}
	i := strings.LastIndexByte(rest, '.')
	if i <= 0 {
		return emulator.TaskToken{}, false
	}
	id, mac := rest[:i], rest[i+1:]
	if !hmac.Equal([]byte(mac), []byte(t.mac(id))) {
		return emulator.TaskToken{}, false
	}
	now := t.clock.Now()
	t.mu.Lock()
	l, ok := t.live[id]
	t.mu.Unlock()
	if !ok || t.expired(l, now) {
		return emulator.TaskToken{}, false
	}
	return emulator.TaskToken{Project: l.project, TaskID: id}, true
}

func (t *taskTokens) expired(l liveToken, now time.Time) bool {
	return !l.ended.IsZero() && now.Sub(l.ended) > TaskTokenGrace
}

// reset forgets every token (the tasks were wiped).
func (t *taskTokens) reset() {
	t.mu.Lock()
	clear(t.live)
	t.mu.Unlock()
}

// TaskToken verifies a task token (emulator.TaskTokens): it returns the
// task it was minted for while the task runs and TaskTokenGrace after it
// ends.
func (s *Service) TaskToken(token string) (emulator.TaskToken, bool) { return s.tokens.verify(token) }
