package httpapi

import (
	"strconv"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
	"github.com/ironlocal/ironlocal/wire"
)

// Wire shapes of IronWorker v2 (spec §3) are declared in package wire;
// these convert the domain's values to them.

// wt is a time as an Iron route writes it (wire.Time: the zero time is
// left out).
func wt(t time.Time) wire.Time { return wire.Time{Time: t} }

func toWireCode(c emulator.CodePackage) wire.Code {
	w := wire.Code{ID: c.ID, ProjectID: c.Project, Name: c.Name, Rev: c.Rev, LatestHistoryID: c.LatestHistoryID,
		LatestChecksum: c.LatestChecksum, CreatedAt: wt(c.CreatedAt), UpdatedAt: wt(c.UpdatedAt),
		LatestChange: wt(c.UpdatedAt), Image: c.Image, Command: c.Command, Runtime: c.Runtime,
		FileName: c.FileName, Stack: c.Stack, Config: c.Config, EnvVars: c.EnvVars, MaxConcurrency: c.MaxConcurrency,
		Retries: c.Retries, RetriesDelay: c.RetriesDelay, DefaultPriority: c.DefaultPriority, Memory: c.MemoryMB, CPUs: c.CPUs,
		LinkedDir: c.LinkedDir, Linked: c.Linked(), Watch: c.Watch, DebugPort: c.DebugPort, DebugCommand: c.DebugCommand}
	if c.PayloadPinned {
		p := c.PinnedPayload
		w.PinnedPayload = &p
	}
	return w
}

func toWireRevision(r emulator.CodeRevision) wire.CodeRevision {
	return wire.CodeRevision{ID: r.ID, CodeID: r.CodeID, ProjectID: r.Project, Name: r.Name, Rev: r.Rev, Checksum: r.Checksum,
		CodeSize: r.Size, Image: r.Image, Command: r.Command, Runtime: r.Runtime, FileName: r.FileName, Stack: r.Stack,
		CreatedAt: wt(r.CreatedAt)}
}

func toWireTask(t emulator.Task) wire.Task {
	return wire.Task{ID: t.ID, ProjectID: t.Project, CodeID: t.CodeID, CodeHistoryID: t.CodeHistoryID,
		CodeName: t.CodeName, CodeRev: strconv.Itoa(t.CodeRev), Status: wire.TaskStatus(t.Status), Msg: t.Msg,
		Payload: t.Payload, Priority: t.Priority, Timeout: t.Timeout, Delay: t.Delay, Cluster: t.Cluster,
		Label: t.Label, ScheduleID: t.ScheduleID, Percent: t.Percent, Duration: t.Duration, RunTimes: t.RunTimes,
		LogSize: t.LogSize, RetryCount: t.RetryCount, OriginalTaskID: t.OriginalTaskID, RetryTaskID: t.RetryTaskID,
		Source: string(t.Source), SourceID: t.SourceID, CodeDir: t.CodeDir, CodeDirMode: string(t.CodeDirMode),
		Debug: t.Debug, DebugAddress: t.DebugAddress, CreatedAt: wt(t.CreatedAt), UpdatedAt: wt(t.UpdatedAt), StartTime: wt(t.StartTime),
		EndTime: wt(t.EndTime)}
}

func toWireSchedule(s emulator.Schedule) wire.Schedule {
	return wire.Schedule{ID: s.ID, ProjectID: s.Project, CodeName: s.CodeName, Name: s.Name, Payload: s.Payload,
		Status: wire.ScheduleStatus(s.Status), Msg: s.Msg, StartAt: wt(s.StartAt), EndAt: wt(s.EndAt),
		NextStart: wt(s.NextStart), LastRunTime: wt(s.LastRunTime), RunEvery: s.RunEvery,
		RunTimes: s.RunTimes, RunCount: s.RunCount, Cron: s.Cron, Priority: s.Priority, Timeout: s.Timeout,
		TaskDelay: s.TaskDelay, Cluster: s.Cluster, Label: s.Label, MaxConcurrency: s.MaxConcurrency,
		CreatedAt: wt(s.CreatedAt), UpdatedAt: wt(s.UpdatedAt)}
}
