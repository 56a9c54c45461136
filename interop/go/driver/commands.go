package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go/service/dynamodb"
	"github.com/wolfeidau/dynalock"
)

// command is one operation. Which fields matter depends on Op.
type command struct {
	ID     json.RawMessage `json:"id"`
	Op     string          `json:"op"`
	Key    string          `json:"key"`
	Prefix string          `json:"prefix"`

	// The value written: Bytes (base64, WriteWithBytes), Struct (MarshalStruct + WriteWithAttributeValue) or
	// Attribute (DynamoDB JSON, WriteWithAttributeValue).
	Bytes     *string                  `json:"bytes"`
	Struct    *structArgs              `json:"struct"`
	Attribute *dynamodb.AttributeValue `json:"attribute"`
	// Expiry: TTLMs (WriteWithTTL), NoExpires (WriteWithNoExpires), neither (Go's default, 20 s).
	TTLMs     *int64 `json:"ttlMs"`
	NoExpires bool   `json:"noExpires"`
	// AtomicPut / AtomicDelete: the pair read before (by either side); null or absent: none.
	Previous *previousPair `json:"previous"`
	// Get / List: also UnmarshalStruct the payload into this sample type.
	Decode string `json:"decode"`

	// Locks (see locks.go).
	Lock      string `json:"lock"`
	Renew     *bool  `json:"renew"`
	Poll      *bool  `json:"poll"`
	TimeoutMs *int64 `json:"timeoutMs"`
	Via       string `json:"via"`
}

type structArgs struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

type previousPair struct {
	Version int64 `json:"version"`
	Expires int64 `json:"expires"`
}

type driver struct {
	store   dynalock.Store
	out     *output
	mu      sync.Mutex
	locks   map[string]*heldLock
	pending sync.WaitGroup
}

type result = map[string]interface{}

// handle runs one command and writes its result line (lock acquisition writes it when it completes).
func (d *driver) handle(line []byte) {
	var cmd command
	if err := json.Unmarshal(line, &cmd); err != nil {
		d.out.write(result{"ok": false, "error": "BadCommand", "message": err.Error()})
		return
	}
	if cmd.Op == "lock" {
		d.lock(cmd)
		return
	}
	res, err := guarded(func() (result, error) { return d.run(cmd) })
	d.reply(cmd, res, err)
}

// panicked is a panic inside Go dynalock (AtomicDelete dereferences a nil previous when the key is absent).
type panicked struct{ value interface{} }

func (p panicked) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// guarded turns a panic of the library into an error result, so that one bad call does not end the driver.
func guarded(f func() (result, error)) (res result, err error) {
	defer func() {
		if value := recover(); value != nil {
			res, err = nil, panicked{value}
		}
	}()
	return f()
}

func (d *driver) reply(cmd command, res result, err error) {
	if err != nil {
		res = result{"ok": false, "error": errorName(err), "message": err.Error()}
	} else {
		if res == nil {
			res = result{}
		}
		res["ok"] = true
	}
	if cmd.ID != nil {
		res["id"] = cmd.ID
	}
	res["atMs"] = nowMs()
	d.out.write(res)
}

func (d *driver) run(cmd command) (result, error) {
	switch cmd.Op {
	case "put":
		opts, err := writeOptions(cmd)
		if err != nil {
			return nil, err
		}
		return nil, d.store.Put(cmd.Key, opts...)
	case "get":
		pair, err := d.store.Get(cmd.Key)
		if err != nil {
			return nil, err
		}
		return result{"pair": describe(pair, cmd.Decode)}, nil
	case "exists":
		exists, err := d.store.Exists(cmd.Key)
		return result{"exists": exists}, err
	case "list":
		pairs, err := d.store.List(cmd.Prefix)
		if err != nil {
			return nil, err
		}
		described := make([]result, 0, len(pairs))
		for _, pair := range pairs {
			described = append(described, describe(pair, cmd.Decode))
		}
		return result{"pairs": described}, nil
	case "atomicPut":
		opts, err := writeOptions(cmd)
		if err != nil {
			return nil, err
		}
		applied, pair, err := d.store.AtomicPut(cmd.Key, opts...)
		if err != nil {
			return nil, err
		}
		return result{"applied": applied, "pair": describe(pair, cmd.Decode)}, nil
	case "atomicDelete":
		deleted, err := d.store.AtomicDelete(cmd.Key, cmd.Previous.toKVPair(cmd.Key))
		return result{"deleted": deleted}, err
	case "delete":
		return nil, d.store.Delete(cmd.Key)
	case "newLock":
		return nil, d.newLock(cmd)
	case "unlock":
		return nil, d.unlock(cmd)
	case "cancel":
		return nil, d.cancel(cmd)
	}
	return nil, fmt.Errorf("unknown op %q", cmd.Op)
}

func (p *previousPair) toKVPair(key string) *dynalock.KVPair {
	if p == nil {
		return nil
	}
	return &dynalock.KVPair{Key: key, Version: p.Version, Expires: p.Expires}
}

// writeOptions in the order Go dynalock's own lock passes them: previous, value, ttl. WriteWithPreviousKV sets the
// ttl to what remains of the previous expiry, so an explicit ttl must come after it to count.
func writeOptions(cmd command) ([]dynalock.WriteOption, error) {
	opts := []dynalock.WriteOption{}
	if cmd.Previous != nil {
		opts = append(opts, dynalock.WriteWithPreviousKV(cmd.Previous.toKVPair(cmd.Key)))
	}
	switch {
	case cmd.Bytes != nil:
		raw, err := base64.StdEncoding.DecodeString(*cmd.Bytes)
		if err != nil {
			return nil, fmt.Errorf("bytes is not base64: %w", err)
		}
		opts = append(opts, dynalock.WriteWithBytes(raw))
	case cmd.Struct != nil:
		value, err := marshalSample(cmd.Struct)
		if err != nil {
			return nil, err
		}
		opts = append(opts, dynalock.WriteWithAttributeValue(value))
	case cmd.Attribute != nil:
		opts = append(opts, dynalock.WriteWithAttributeValue(cmd.Attribute))
	}
	if cmd.NoExpires {
		opts = append(opts, dynalock.WriteWithNoExpires())
	} else if cmd.TTLMs != nil {
		opts = append(opts, dynalock.WriteWithTTL(time.Duration(*cmd.TTLMs)*time.Millisecond))
	}
	return opts, nil
}

// marshalSample is a sample struct, given as JSON, as Go dynalock's MarshalStruct writes it.
func marshalSample(structured *structArgs) (*dynamodb.AttributeValue, error) {
	value, err := newSample(structured.Type)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(structured.Value, value); err != nil {
		return nil, fmt.Errorf("struct value: %w", err)
	}
	return dynalock.MarshalStruct(value)
}

// describe is a pair as the tests see it: what Go's KVPair and its helpers return.
func describe(pair *dynalock.KVPair, decode string) result {
	out := result{"key": pair.Key, "version": pair.Version, "expires": pair.Expires}
	attribute := pair.AttributeValue()
	if attribute == nil {
		out["attribute"] = nil
	} else {
		out["attribute"] = renderAttribute(attribute)
		bytes := pair.BytesValue()
		out["bytes"] = base64.StdEncoding.EncodeToString(bytes)
		// BytesValue returns nil when the attribute does not unmarshal into []byte (a map, a number).
		out["bytesOk"] = bytes != nil
	}
	if decode != "" {
		value, err := newSample(decode)
		if err == nil && attribute != nil {
			err = dynalock.UnmarshalStruct(attribute, value)
		} else if err == nil {
			err = errors.New("no payload attribute")
		}
		if err != nil {
			out["decodeError"] = err.Error()
		} else {
			out["value"] = value
		}
	}
	return out
}

func errorName(err error) string {
	if _, ok := err.(panicked); ok {
		return "Panic"
	}
	switch err {
	case dynalock.ErrKeyNotFound:
		return "KeyNotFound"
	case dynalock.ErrKeyExists:
		return "KeyExists"
	case dynalock.ErrKeyModified:
		return "KeyModified"
	case dynalock.ErrLockAcquireCancelled:
		return "LockAcquireCancelled"
	case dynalock.ErrLockAcquireFailed:
		return "LockAcquireFailed"
	}
	return "Other"
}
