// Command driver runs Go dynalock (github.com/wolfeidau/dynalock v1) operations against a local DynamoDB server,
// for the interoperability tests. Commands are JSON objects, given as arguments (run in order, then exit) or as
// stdin lines (until stdin closes); every command gets one JSON result line on stdout, and lock holders report
// asynchronous events (the lock channel closing) as lines of their own.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/aws/credentials"
	"github.com/aws/aws-sdk-go/aws/session"
	"github.com/aws/aws-sdk-go/service/dynamodb"
	"github.com/wolfeidau/dynalock"
)

// output serialises result and event lines: lock goroutines write concurrently with the command loop.
type output struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (o *output) write(line map[string]interface{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.enc.Encode(line); err != nil {
		fmt.Fprintln(os.Stderr, "driver: cannot write output:", err)
		os.Exit(2)
	}
}

func main() {
	endpoint := flag.String("endpoint", "", "local server, http://127.0.0.1:PORT")
	table := flag.String("table", "dynalock", "table name")
	partition := flag.String("partition", "", "the store's partition (Go dynalock's id attribute)")
	backoff := flag.Duration("lock-backoff", dynalock.DefaultLockBackOff, "Go dynalock's lock polling interval")
	flag.Parse()
	if *endpoint == "" || *partition == "" {
		fmt.Fprintln(os.Stderr, "usage: driver -endpoint http://127.0.0.1:PORT -partition P [-table T] [command JSON ...]")
		os.Exit(2)
	}
	dynalock.DefaultLockBackOff = *backoff

	sess, err := session.NewSession(&aws.Config{
		Endpoint:    aws.String(*endpoint),
		Region:      aws.String("us-east-1"),
		Credentials: credentials.NewStaticCredentials("local", "local", ""),
		MaxRetries:  aws.Int(2),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "driver: session:", err)
		os.Exit(2)
	}

	d := &driver{
		store: dynalock.New(dynamodb.New(sess), *table, *partition),
		out:   &output{enc: json.NewEncoder(os.Stdout)},
		locks: map[string]*heldLock{},
	}

	if flag.NArg() > 0 {
		for _, arg := range flag.Args() {
			d.handle([]byte(arg))
		}
		d.pending.Wait()
		return
	}

	lines := bufio.NewScanner(os.Stdin)
	lines.Buffer(make([]byte, 1024*1024), 8*1024*1024)
	for lines.Scan() {
		if len(lines.Bytes()) > 0 {
			d.handle(lines.Bytes())
		}
	}
}

func nowMs() int64 { return time.Now().UnixNano() / int64(time.Millisecond) }
