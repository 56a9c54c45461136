package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"sync"
	"time"

	"github.com/wolfeidau/dynalock"
)

// heldLock is a named Go Locker and the way to stop its latest Lock call. Go dynalock hands the same stop channel
// (or context) to the background renewal: stopping it ends the wait for the lock and, once held, the renewals.
type heldLock struct {
	locker dynalock.Locker
	stop   func()
}

func (d *driver) named(name string) (*heldLock, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	held, ok := d.locks[name]
	if !ok {
		return nil, fmt.Errorf("no lock named %q (newLock first)", name)
	}
	return held, nil
}

// newLock: NewLock(key) with LockWithTTL, LockWithNoRenew (renew: false), LockWithNoTryPolling (poll: false) and
// LockWithBytes (bytes) as given.
func (d *driver) newLock(cmd command) error {
	if cmd.Lock == "" {
		return fmt.Errorf("newLock needs a lock name")
	}
	opts := []dynalock.LockOption{}
	if cmd.TTLMs != nil {
		opts = append(opts, dynalock.LockWithTTL(time.Duration(*cmd.TTLMs)*time.Millisecond))
	}
	if cmd.Renew != nil && !*cmd.Renew {
		opts = append(opts, dynalock.LockWithNoRenew())
	}
	if cmd.Poll != nil && !*cmd.Poll {
		opts = append(opts, dynalock.LockWithNoTryPolling())
	}
	if cmd.Bytes != nil {
		raw, err := base64.StdEncoding.DecodeString(*cmd.Bytes)
		if err != nil {
			return fmt.Errorf("bytes is not base64: %w", err)
		}
		opts = append(opts, dynalock.LockWithBytes(raw))
	}
	locker, err := d.store.NewLock(cmd.Key, opts...)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.locks[cmd.Lock] = &heldLock{locker: locker, stop: func() {}}
	return nil
}

// lock acquires in the background: its result line comes when Lock returns, while other commands go on. Via
// "context" (default) calls LockWithContext, via "stopChan" calls Lock; timeoutMs stops either after that long
// (Go then stops renewing too, if it got the lock). When the lock channel closes, an event line says so.
func (d *driver) lock(cmd command) {
	held, err := d.named(cmd.Lock)
	if err != nil {
		d.reply(cmd, nil, err)
		return
	}
	var acquire func() (<-chan struct{}, error)
	switch cmd.Via {
	case "", "context":
		var ctx context.Context
		var cancel context.CancelFunc
		if cmd.TimeoutMs != nil {
			ctx, cancel = context.WithTimeout(context.Background(), time.Duration(*cmd.TimeoutMs)*time.Millisecond)
		} else {
			ctx, cancel = context.WithCancel(context.Background())
		}
		held.stop = cancel
		acquire = func() (<-chan struct{}, error) { return held.locker.LockWithContext(ctx) }
	case "stopChan":
		stopChan := make(chan struct{})
		var once sync.Once
		stop := func() { once.Do(func() { close(stopChan) }) }
		if cmd.TimeoutMs != nil {
			time.AfterFunc(time.Duration(*cmd.TimeoutMs)*time.Millisecond, stop)
		}
		held.stop = stop
		acquire = func() (<-chan struct{}, error) { return held.locker.Lock(stopChan) }
	default:
		d.reply(cmd, nil, fmt.Errorf("via must be context or stopChan, not %q", cmd.Via))
		return
	}

	d.pending.Add(1)
	go func() {
		defer d.pending.Done()
		var lockHeld <-chan struct{}
		res, err := guarded(func() (result, error) {
			ch, err := acquire()
			lockHeld = ch
			return result{"acquired": err == nil}, err
		})
		d.reply(cmd, res, err)
		if lockHeld != nil {
			go func() {
				<-lockHeld
				d.out.write(result{"event": "lockChannelClosed", "lock": cmd.Lock, "atMs": nowMs()})
			}()
		}
	}()
}

// unlock: Unlock, bounded in time: a second Unlock after renewals ended blocks forever on Go's unlock channel.
func (d *driver) unlock(cmd command) error {
	held, err := d.named(cmd.Lock)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() {
		_, err := guarded(func() (result, error) { return nil, held.locker.Unlock() })
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		return fmt.Errorf("Unlock did not return within 5 s")
	}
}

// cancel stops the latest Lock call of the lock: its context is cancelled, or its stop channel closed.
func (d *driver) cancel(cmd command) error {
	held, err := d.named(cmd.Lock)
	if err != nil {
		return err
	}
	held.stop()
	return nil
}
