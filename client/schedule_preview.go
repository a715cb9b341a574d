package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ironlocal/ironlocal/wire"
)

// ScheduleTiming is what PreviewSchedule needs of a schedule. With
// ScheduleID set it describes an update of that schedule: RunEvery,
// RunTimes and Cron replace the stored ones, zero StartAt and EndAt leave
// them; otherwise a new schedule, zero fields taking the create defaults.
type ScheduleTiming = wire.ScheduleTiming

// SchedulePreview is when a schedule would fire, by ironlocal's clock.
type SchedulePreview = wire.SchedulePreview

// PreviewSchedule asks ironlocal when a schedule with this timing would
// fire next, n times at most (0 = 5, ≤ 100), by the scheduler's own rules;
// nothing is stored. Invalid fields are a 400 with the create's msg.
// POST /_ironlocal/schedules/{pid}/preview?n=
func (c *Client) PreviewSchedule(ctx context.Context, s ScheduleTiming, n int) (SchedulePreview, error) {
	q := url.Values{}
	if n > 0 {
		q.Set("n", strconv.Itoa(n))
	}
	var out SchedulePreview
	err := c.call(ctx, http.MethodPost, withQuery("/_ironlocal/schedules/"+esc(c.project)+"/preview", q), s, &out)
	return out, err
}
