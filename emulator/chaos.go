package emulator

import "time"

// ChaosKind is a way the real platform may misbehave that chaos mode
// injects (emulator/chaos); the values are the wire values.
type ChaosKind string

const (
	// ChaosRedeliver: a reserved message's reservation lapses at once, so
	// the next reserve gets it again while its first consumer still holds
	// it (whose delete then fails).
	ChaosRedeliver ChaosKind = "redeliver"
	// ChaosPushTwice: a push subscriber that accepted a message gets it
	// again.
	ChaosPushTwice ChaosKind = "push_twice"
	// ChaosPushFail: a push attempt fails with 503 before the real one
	// (retried per the queue's retries).
	ChaosPushFail ChaosKind = "push_fail"
	// ChaosKillTask: a running task is killed (status killed, retried per
	// its code) once it has started working.
	ChaosKillTask ChaosKind = "kill_task"
	// ChaosDelayTask: a task's start is delayed.
	ChaosDelayTask ChaosKind = "delay_task"
	// ChaosAPI503: an Iron API call is answered 503 without being served.
	ChaosAPI503 ChaosKind = "api_503"
	// ChaosLatency: an Iron API call is served late.
	ChaosLatency ChaosKind = "latency"
)

// ChaosKinds lists every kind, in a stable order.
var ChaosKinds = []ChaosKind{ChaosRedeliver, ChaosPushTwice, ChaosPushFail, ChaosKillTask, ChaosDelayTask, ChaosAPI503, ChaosLatency}

// Chaos decides where the platform misbehaves. Chance takes the next chance
// of kind: whether to inject, and for delay_task and latency how long;
// detail says where, for the record. A Chaos switched off never injects.
type Chaos interface {
	Chance(kind ChaosKind, detail string) (inject bool, d time.Duration)
}
