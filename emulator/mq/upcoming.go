package mq

import (
	"context"
	"time"

	"github.com/ironlocal/ironlocal/emulator"
)

// Upcoming lists, earliest first, what the clock will do to the project's
// messages after now and up to until: delayed messages becoming ready,
// reservations running out, push deliveries coming due, messages
// expiring. It reads the time indexes (no full scan) and keeps at most
// limit entries. (A message whose time has passed is already ready or
// gone for every reader, even before the store catches up.)
func (s *Service) Upcoming(ctx context.Context, project string, until time.Time, limit int) ([]emulator.Upcoming, error) {
	var out []emulator.Upcoming
	err := s.store.ViewQueues(ctx, func(tx emulator.QueueTx) error {
		out = out[:0]
		now := s.clock.Now()
		for after := ""; ; {
			queues, err := tx.ListQueues(project, "", after, MaxPerPage)
			if err != nil {
				return err
			}
			for _, q := range queues {
				due, err := tx.DueMessages(project, q.Name, until, limit)
				if err != nil {
					return err
				}
				for _, m := range due {
					if !m.AvailableAt.After(now) {
						continue
					}
					kind := emulator.UpcomingMessageReady
					switch m.State {
					case emulator.MessageReserved:
						kind = emulator.UpcomingReservationExpires
					case emulator.MessagePushing:
						kind = emulator.UpcomingPushDue
					}
					out = append(out, emulator.Upcoming{At: m.AvailableAt, Kind: kind, Project: project, Queue: q.Name, MessageID: m.ID})
				}
				expiring, err := tx.ExpiredMessages(project, q.Name, until, limit)
				if err != nil {
					return err
				}
				for _, m := range expiring {
					if !m.ExpiresAt.After(now) {
						continue
					}
					out = append(out, emulator.Upcoming{At: m.ExpiresAt, Kind: emulator.UpcomingMessageExpires, Project: project,
						Queue: q.Name, MessageID: m.ID})
				}
				out = emulator.MergeUpcoming(limit, out)
			}
			if len(queues) < MaxPerPage {
				return nil
			}
			after = queues[len(queues)-1].Name
		}
	})
	return out, err
}
