package consumer

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestHandler(t *testing.T) {
	work := func(_ context.Context, body string) error {
		switch body {
		case "fail":
			return errors.New("boom")
		case "panic":
			panic("bad message")
		}
		return nil
	}
	for _, tc := range []struct {
		name   string
		bodies []string
		failed []string
	}{
		{"AllSucceed", []string{"ok", "ok"}, nil},
		{"PartialFailure", []string{"ok", "fail", "ok", "fail"}, []string{"m1", "m3"}},
		{"PanicIsOneFailure", []string{"panic", "ok"}, []string{"m0"}},
		{"Empty", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ev events.SQSEvent
			for i, b := range tc.bodies {
				ev.Records = append(ev.Records, events.SQSMessage{MessageId: "m" + string(rune('0'+i)), Body: b})
			}
			resp, err := Handler("test", work, nil)(context.Background(), ev)
			if err != nil {
				t.Fatalf("handler returned a Go error: %v", err)
			}
			var got []string
			for _, f := range resp.BatchItemFailures {
				got = append(got, f.ItemIdentifier)
			}
			if !reflect.DeepEqual(got, tc.failed) {
				t.Fatalf("failures %v, want %v", got, tc.failed)
			}
		})
	}
}
