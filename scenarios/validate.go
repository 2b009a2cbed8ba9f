package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kafkasim/kafkasim/client"
)

// validate checks what the decoder cannot see field by field: references
// between sections, time order and ranges.
func (d *decoder) validate(s *Scenario) {
	if s.Duration <= 0 || s.Duration > MaxDuration {
		d.errAt(d.durationPos, "scenario.duration: expected more than 0s and at most %s, got %s", durationText(MaxDuration), FormatDuration(s.Duration))
	}
	topics := map[string]Topic{}
	for i, t := range s.Topics {
		if _, dup := topics[t.Name]; dup {
			d.errAt(t.Pos, "topics[%d]: topic %q is declared twice", i, t.Name)
		}
		if t.Name != "" && !validTopicName(t.Name) {
			d.errAt(t.Pos, "topics[%d]: %s", i, invalidTopic(t.Name))
		}
		topics[t.Name] = t
	}
	topicNames := func() string {
		var names []string
		for _, t := range s.Topics {
			names = append(names, t.Name)
		}
		if len(names) == 0 {
			return "none declared"
		}
		return strings.Join(names, ", ")
	}
	checkPartition := func(pos Pos, what, topic string, p int32) {
		if t, ok := topics[topic]; ok && p != client.PartitionAny && int(p) >= t.Partitions {
			d.errAt(pos, "%s: topic %q has partitions 0..%d, got partition %d", what, topic, t.Partitions-1, p)
		}
	}
	actors := map[string]string{}
	for i, p := range s.Producers {
		what := fmt.Sprintf("producers[%d]", i)
		if prev, dup := actors[p.ID]; dup {
			d.errAt(p.Pos, "%s: id %q is already used by %s", what, p.ID, prev)
		}
		actors[p.ID] = what
		if _, ok := topics[p.Topic]; !ok && !s.Cluster.AutoCreateTopics {
			d.errAt(p.Pos, "%s: topic %q is not declared under topics (declared: %s)", what, p.Topic, topicNames())
		} else if !ok && p.Topic != "" && !validTopicName(p.Topic) {
			d.errAt(p.Pos, "%s: %s", what, invalidTopic(p.Topic))
		}
		checkPartition(p.Pos, what, p.Topic, p.Partition)
		if p.At > s.Duration {
			d.errAt(p.Pos, "%s: at %s is after the end of the run (duration %s)", what, FormatDuration(p.At), FormatDuration(s.Duration))
		}
	}
	consumers := map[string]*Consumer{}
	var consumerIDs []string
	for i := range s.Consumers {
		c := &s.Consumers[i]
		what := fmt.Sprintf("consumers[%d]", i)
		if prev, dup := actors[c.ID]; dup {
			d.errAt(c.Pos, "%s: id %q is already used by %s", what, c.ID, prev)
		}
		actors[c.ID] = what
		consumers[c.ID] = c
		consumerIDs = append(consumerIDs, c.ID)
		m := c.Config.Clone()
		m["group.id"] = c.Group
		cfg, err := client.ParseConsumerConfig(m)
		if err != nil {
			d.errAt(c.Pos, "%s: config: %s", what, stripCode(err))
			continue
		}
		pr := c.Processing
		switch {
		case pr.Commit == StrategyAuto && !cfg.EnableAutoCommit:
			d.errAt(c.Pos, "%s: processing.commit is auto but enable.auto.commit is false, so nothing would ever commit (write commit: none if that is the point)", what)
		case pr.Commit == StrategyStoreAfter && cfg.EnableAutoOffsetStore:
			d.errAt(c.Pos, "%s: processing.commit store-after-process needs config enable.auto.offset.store: false (otherwise poll stores every offset before processing)", what)
		case pr.Commit == StrategyStoreAfter && !cfg.EnableAutoCommit:
			d.errAt(c.Pos, "%s: processing.commit store-after-process needs enable.auto.commit: true (auto-commit commits the stored offsets)", what)
		}
		if c.Start != nil && *c.Start > s.Duration {
			d.errAt(c.Pos, "%s: start %s is after the end of the run (duration %s)", what, FormatDuration(*c.Start), FormatDuration(s.Duration))
		}
	}
	groups := map[string]bool{}
	for _, c := range s.Consumers {
		groups[c.Group] = true
	}
	unknownConsumer := func(pos Pos, what, id string) {
		msg := fmt.Sprintf("%s: unknown consumer %q", what, id)
		if c := closest(id, consumerIDs); c != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", c)
		}
		if len(consumerIDs) == 0 {
			msg += "; no consumers are declared"
		} else {
			msg += "; declared consumers: " + strings.Join(consumerIDs, ", ")
		}
		d.errAt(pos, "%s", msg)
	}
	for i, a := range s.Script {
		what := fmt.Sprintf("script[%d]", i)
		if i > 0 && a.At < s.Script[i-1].At {
			d.errAt(a.AtPos, "%s: at %s comes before the previous step's %s: steps must be in time order", what, FormatDuration(a.At), FormatDuration(s.Script[i-1].At))
		}
		if a.At > s.Duration {
			d.errAt(a.AtPos, "%s: at %s is after the end of the run (duration %s)", what, FormatDuration(a.At), FormatDuration(s.Duration))
		}
		if a.Consumer != "" {
			if _, ok := consumers[a.Consumer]; !ok {
				unknownConsumer(a.ConsumerPos, what, a.Consumer)
			}
		}
		if an := a.After; an != nil {
			if an.Actor != "" && actors[an.Actor] == "" && an.Actor != "broker" && an.Actor != "script" &&
				!(strings.HasPrefix(an.Actor, "group:") && groups[strings.TrimPrefix(an.Actor, "group:")]) {
				d.errAt(an.Pos, "%s.after: unknown actor %q (consumers, producers, group:<id>, broker or script)", what, an.Actor)
			}
			if an.Group != "" && !groups[an.Group] {
				d.errAt(an.Pos, "%s.after: unknown group %q (groups: %s)", what, an.Group, strings.Join(sortedKeys(groups), ", "))
			}
			if an.Topic != "" {
				if _, ok := topics[an.Topic]; !ok && !s.Cluster.AutoCreateTopics {
					d.errAt(an.Pos, "%s.after: topic %q is not declared under topics (declared: %s)", what, an.Topic, topicNames())
				}
				checkPartition(an.Pos, what+".after", an.Topic, an.Partition)
			}
		}
		if a.Do == DoProduce {
			if _, ok := topics[a.Topic]; !ok && !s.Cluster.AutoCreateTopics {
				d.errAt(a.Pos, "%s: topic %q is not declared under topics (declared: %s)", what, a.Topic, topicNames())
			} else if !ok && a.Topic != "" && !validTopicName(a.Topic) {
				d.errAt(a.Pos, "%s: %s", what, invalidTopic(a.Topic))
			}
			checkPartition(a.Pos, what, a.Topic, a.Partition)
		}
	}
	if e := s.Expect; e != nil {
		checkRef := func(pos Pos, what, group, topic string, p int32) {
			if group != "" && !groups[group] {
				d.errAt(pos, "%s: unknown group %q (groups: %s)", what, group, strings.Join(sortedKeys(groups), ", "))
			}
			if _, ok := topics[topic]; !ok && topic != "" {
				d.errAt(pos, "%s: topic %q is not declared under topics (declared: %s)", what, topic, topicNames())
			}
			checkPartition(pos, what, topic, p)
		}
		for i, m := range e.Messages {
			checkRef(m.Pos, fmt.Sprintf("expect.messages[%d]", i), m.Group, m.Topic, m.Partition)
		}
		for i, m := range e.Committed {
			checkRef(m.Pos, fmt.Sprintf("expect.committed[%d]", i), m.Group, m.Topic, m.Partition)
		}
		for i, m := range e.Lag {
			checkRef(m.Pos, fmt.Sprintf("expect.lag[%d]", i), m.Group, m.Topic, m.Partition)
		}
		for i, g := range e.Groups {
			checkRef(g.Pos, fmt.Sprintf("expect.groups[%d]", i), g.Group, "", client.PartitionAny)
		}
		for i, ev := range e.Events {
			if ev.Actor != "" && actors[ev.Actor] == "" && !strings.HasPrefix(ev.Actor, "group:") && ev.Actor != "broker" && ev.Actor != "script" {
				d.errAt(ev.Pos, "expect.events[%d]: unknown actor %q (consumers, producers, group:<id>, broker or script)", i, ev.Actor)
			}
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// validTopicName applies Kafka's topic name rules (the broker's): 1 to
// 249 characters of [a-zA-Z0-9._-], not "." or "..".
func validTopicName(name string) bool {
	if name == "" || name == "." || name == ".." || len(name) > 249 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func invalidTopic(name string) string {
	return fmt.Sprintf("invalid topic name %q: Kafka's topic names are 1 to 249 letters, digits, '.', '_' and '-' (not \".\" or \"..\")", name)
}
