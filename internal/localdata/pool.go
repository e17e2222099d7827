package localdata

import (
	"context"
	"errors"
	"sync/atomic"

	"golang.org/x/sync/errgroup"
)

// ForEach runs fn(ctx, i) for i in [0, n) on at most limit goroutines. A
// worker checks ctx before taking each index, so once ctx is done or a call
// has failed no new call starts; it returns when every started call has. A
// cancel of ctx is reported as ctx's error, whatever the calls in flight made
// of it.
func ForEach(ctx context.Context, n, limit int, fn func(ctx context.Context, i int) error) error {
	g, gctx := errgroup.WithContext(ctx)
	var next atomic.Int64
	for range max(min(n, limit), 1) {
		g.Go(func() error {
			for {
				if err := gctx.Err(); err != nil {
					return err
				}
				i := int(next.Add(1) - 1)
				if i >= n {
					return nil
				}
				if err := fn(gctx, i); err != nil {
					return err
				}
			}
		})
	}
	err := g.Wait()
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return cerr
	}
	return err
}
