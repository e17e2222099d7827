package emulator

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Simulation makes a deployment's jobs cheap: each job goes Preparing,
// Queued, Running, Finalizing and ends, staying Options.StepDelay in each
// step and Duration in Running, on one timer at a time and without a
// goroutine, storage I/O or log files. Holds, FailJob, FailNextJobs, cancel and
// Close apply as to other jobs. Use it for load tests with many jobs.
type Simulation struct {
	// Duration is how long a job stays Running; no time when nil.
	Duration func(SimulatedJob) time.Duration
	// Outcome decides how a job ends when it leaves Running: nil completes it,
	// a *JobError fails it with that code and message, any other error fails it
	// with code SystemError. Nil completes every job.
	Outcome func(SimulatedJob) error
}

// SimulatedJob is what a Simulation's functions are told about a job.
type SimulatedJob struct {
	// Name is the job's name; Index counts the server's jobs from 0 in
	// creation order.
	Name  string
	Index int
	// Tags are the job's tags (the caller's and the service's).
	Tags map[string]string
	// Inputs are the job's inputs as received.
	Inputs map[string]JobInput
}

func (d *deploymentState) simulation() *Simulation {
	switch {
	case d.model != nil:
		return d.model.Simulate
	case d.pipeline != nil:
		return d.pipeline.Simulate
	}
	return nil
}

// simRun is the state of one simulated job: its pending timer and whether it
// has ended. Guarded by s.mu.
type simRun struct {
	sim   *Simulation
	timer *time.Timer
	ended bool
	stop  func() bool // unregisters the context callback
	once  sync.Once
}

// simulate starts a simulated job (already Preparing and registered; the
// caller did jobsWG.Add(1)).
func (s *Server) simulate(j *job, sim *Simulation) {
	r := &simRun{sim: sim}
	s.mu.Lock()
	info := j.infoLocked()
	s.mu.Unlock()
	sj := SimulatedJob{Name: j.name, Index: int(j.seq - 1), Tags: info.Tags, Inputs: info.Inputs}
	// Cancel, FailJob and Close cancel j.ctx; end the job then.
	r.stop = context.AfterFunc(j.ctx, func() {
		status, je := s.outcome(j, context.Cause(j.ctx))
		s.simEnd(j, r, status, je)
	})
	var step func(status string)
	next := func(status string, d time.Duration) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if r.ended {
			return
		}
		r.timer = time.AfterFunc(max(d, 0), func() { step(status) })
	}
	// step enters status (after any hold on the status it leaves).
	step = func(status string) {
		if s.simHeld(j, r, status, step) {
			return
		}
		switch status {
		case StatusQueued:
			if s.setStatus(j, StatusQueued) {
				next(StatusRunning, s.opts.StepDelay)
			}
		case StatusRunning:
			if !s.setStatus(j, StatusRunning) {
				return
			}
			if j.scripted != nil {
				s.simEnd(j, r, StatusFailed, j.scripted)
				return
			}
			var d time.Duration
			if sim.Duration != nil {
				d = sim.Duration(sj)
			}
			next(StatusFinalizing, d)
		case StatusFinalizing:
			var err error
			if sim.Outcome != nil {
				err = sim.Outcome(sj)
			}
			if err != nil {
				var je *JobError
				if !errors.As(err, &je) {
					je = &JobError{Code: "SystemError", Message: redactErr(err)}
				}
				s.simEnd(j, r, StatusFailed, je)
				return
			}
			if s.setStatus(j, StatusFinalizing) {
				next(StatusCompleted, s.opts.StepDelay)
			}
		case StatusCompleted:
			s.simEnd(j, r, StatusCompleted, nil)
		}
	}
	next(StatusQueued, s.opts.StepDelay)
}

// simHeld reports whether a hold keeps j in its current status; if so the job
// continues with step(status) when the hold is released.
func (s *Server) simHeld(j *job, r *simRun, status string, step func(string)) bool {
	s.mu.Lock()
	cur := j.status
	var h *Hold
	for _, o := range s.holds {
		if o.status == cur && (o.jobs == nil || o.jobs[j.name]) {
			h = o
			break
		}
	}
	s.mu.Unlock()
	if h == nil {
		return false
	}
	// Only held jobs get a goroutine, and only while held.
	go func() {
		select {
		case <-h.ch:
			step(status)
		case <-j.ctx.Done():
		}
	}()
	return true
}

// simEnd ends a simulated job once.
func (s *Server) simEnd(j *job, r *simRun, status string, je *JobError) {
	r.once.Do(func() {
		s.mu.Lock()
		r.ended = true
		if r.timer != nil {
			r.timer.Stop()
		}
		s.mu.Unlock()
		r.stop()
		s.finish(j, status, je)
		close(j.done)
		s.jobsWG.Done()
	})
}
