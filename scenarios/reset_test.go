package scenarios

import (
	"reflect"
	"testing"
	"time"

	"github.com/kafkasim/kafkasim/client"
)

// TestResetMessage: resetMessage leaves a message with every field set
// (found by reflection, so that a field added to client.Message is
// covered) equal to a fresh one.
func TestResetMessage(t *testing.T) {
	var m client.Message
	fill(t, reflect.ValueOf(&m).Elem())
	if reflect.DeepEqual(m, client.Message{}) {
		t.Fatal("fill left the message zero")
	}
	resetMessage(&m, "orders", 3)
	want := client.Message{TopicPartition: client.TopicPartition{Topic: "orders", Partition: 3}}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("reset message: %#v\nwant %#v", m, want)
	}
}

// fill sets every field of v (recursively) to something other than zero.
func fill(t *testing.T, v reflect.Value) {
	t.Helper()
	if v.Type() == reflect.TypeOf(time.Time{}) {
		v.Set(reflect.ValueOf(time.Unix(1700000000, 5).In(time.FixedZone("X", 3600))))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(t, v.Field(i))
			}
		}
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(t, v.Index(0))
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem())
	case reflect.Interface:
		v.Set(reflect.ValueOf(client.NewError(client.ErrInvalidArg, "x", false)))
	default:
		t.Fatalf("fill: a field of kind %s: teach the test (and resetMessage) about it", v.Kind())
	}
}
