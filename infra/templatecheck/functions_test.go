package templatecheck

import (
	"fmt"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cecportal/cecportal/internal/app"
)

// optionalEnv are variables app.Env reads that have a default: a function
// may set them in template.yaml without app.Functions requiring them.
var optionalEnv = []string{"ROLE_CLAIM", "LOG_LEVEL", "POLICY_FILE"}

// dailyTimeZone is the parameter a daily schedule's time of day is in.
const dailyTimeZone = "AssociationTimeZone"

// TestFunctions_SameAsTemplate holds app.Functions and app.Queues, the list
// the Lambda mains and the local stack use, against template.yaml.
func TestFunctions_SameAsTemplate(t *testing.T) {
	for _, p := range checkFunctions(loadTemplate(t), app.Functions, app.Queues) {
		t.Error(p)
	}
}

// TestMakefile_LambdasAreAppFunctions: the Makefile's LAMBDAS, which make
// and sam build read, is app.Functions word for word (<ID>:<Dir>, in order).
// TestMakefile_BuildsEveryFunction checks what each build-<ID> builds.
func TestMakefile_LambdasAreAppFunctions(t *testing.T) {
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Fatal("make is not installed; sam build needs it for BuildMethod makefile")
	}
	cmd := exec.Command(makeBin, "-s", "--no-print-directory", "-C", repoRoot,
		"--eval", "print-lambdas: ; @echo $(LAMBDAS)", "print-lambdas")
	cmd.Env = makeEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("make print-lambdas: %v", err)
	}
	var want []string
	for _, fn := range app.Functions {
		want = append(want, fn.ID+":"+fn.Dir)
	}
	if got := strings.Fields(string(out)); !slices.Equal(got, want) {
		t.Errorf("the Makefile's LAMBDAS is not app.Functions:\n got  %s\n want %s", strings.Join(got, " "), strings.Join(want, " "))
	}
}

// checkFunctions: the template has exactly the functions of fns, each
// invoked as its kind says (HTTP API routes only; one SQS event on its
// queue; one ScheduleV2 event at its rate, or daily at its time in the
// association's time zone), with exactly the variables it requires (TABLE_NAME,
// the URL of each queue it sends to, its Env) besides optionalEnv; and the
// template's queues, dead-letter queues aside, are those of queues, under
// their logical IDs and URL variables.
func checkFunctions(t *template, fns []app.Function, queues []app.Queue) []string {
	var out []string
	byName := map[string]app.Queue{}
	listed := map[string]bool{}
	for _, q := range queues {
		byName[q.Name], listed[q.ID] = q, true
		if t.Resources[q.ID].Type != typeQueue {
			out = append(out, fmt.Sprintf("app.Queues: %s (%s) is not an %s of the template", q.ID, q.Name, typeQueue))
		}
		if want := envName(q.ID) + "_URL"; q.URLVar != want {
			out = append(out, fmt.Sprintf("app.Queues: %s's URL variable is %s, want %s", q.ID, q.URLVar, want))
		}
	}
	dlqs := deadLetterQueues(t)
	for _, q := range t.ofType(typeQueue) {
		if !listed[q.ID] && !slices.Contains(dlqs, q.ID) {
			out = append(out, fmt.Sprintf("queue %s is in the template but not in app.Queues", q.ID))
		}
	}

	inList := map[string]bool{}
	for _, fn := range fns {
		inList[fn.ID] = true
		res, ok := t.Resources[fn.ID]
		if !ok || res.Type != typeFunction {
			out = append(out, fmt.Sprintf("function %s is in app.Functions but not an %s of the template", fn.ID, typeFunction))
			continue
		}
		out = append(out, checkInvocation(t, res, fn, byName)...)
		out = append(out, checkFunctionEnv(t, res, fn, byName)...)
		// moto checks no IAM: only this sees a counter's Update refused.
		switch update := allowsAction(t, res, "dynamodb:UpdateItem"); {
		case fn.Counts && !update:
			out = append(out, fmt.Sprintf("function %s keeps the office's counters (Counts in app.Functions) but may not dynamodb:UpdateItem, which their Add is", fn.ID))
		case !fn.Counts && update:
			out = append(out, fmt.Sprintf("function %s may dynamodb:UpdateItem but keeps no counter (Counts in app.Functions): nothing of it updates an item", fn.ID))
		}
	}
	for _, res := range t.ofType(typeFunction) {
		if !inList[res.ID] {
			out = append(out, fmt.Sprintf("function %s is in the template but not in app.Functions", res.ID))
		}
	}
	return out
}

// checkInvocation: fn's events are those its kind says.
func checkInvocation(t *template, res resource, fn app.Function, queues map[string]app.Queue) []string {
	evs := res.events()
	where := fmt.Sprintf("function %s (%s in app.Functions)", fn.ID, fn.Kind)
	var types []string
	for _, ev := range evs {
		types = append(types, ev.Name+":"+ev.Type)
	}
	switch fn.Kind {
	case app.HTTP:
		if len(evs) == 0 || slices.ContainsFunc(evs, func(ev event) bool { return ev.Type != "HttpApi" }) {
			return []string{fmt.Sprintf("%s: events %q, want HttpApi events only", where, types)}
		}
	case app.Consumer:
		if len(evs) != 1 || evs[0].Type != "SQS" {
			return []string{fmt.Sprintf("%s: events %q, want one SQS event on %s", where, types, queues[fn.Queue].ID)}
		}
		got, _ := t.target(evs[0].Properties["Queue"])
		if want := queues[fn.Queue].ID; got != want {
			return []string{fmt.Sprintf("%s: its SQS event consumes %v, but app.Functions says queue %s (%s)",
				where, evs[0].Properties["Queue"], fn.Queue, want)}
		}
	case app.Scheduled:
		if len(evs) != 1 || evs[0].Type != "ScheduleV2" {
			return []string{fmt.Sprintf("%s: events %q, want one ScheduleV2 event", where, types)}
		}
		want, err := scheduleExpression(fn.Schedule)
		if err != nil {
			return []string{fmt.Sprintf("%s: %v", where, err)}
		}
		p := evs[0].Properties
		var out []string
		if got := p["ScheduleExpression"]; got != want {
			out = append(out, fmt.Sprintf("%s: ScheduleExpression %v, but app.Functions says %s", where, got, want))
		}
		if tz, _ := t.parameter(p["ScheduleExpressionTimezone"]); fn.Schedule.Daily && tz != dailyTimeZone {
			out = append(out, fmt.Sprintf("%s: ScheduleExpressionTimezone %v, want !Ref %s (a daily time is the association's)",
				where, p["ScheduleExpressionTimezone"], dailyTimeZone))
		}
		return out
	default:
		return []string{fmt.Sprintf("%s: unknown kind", where)}
	}
	return nil
}

// checkFunctionEnv: the function's own variables are those fn requires,
// each queue URL the URL of its queue, plus optionalEnv.
func checkFunctionEnv(t *template, res resource, fn app.Function, queues map[string]app.Queue) []string {
	vars := mapping(mapping(res.Properties["Environment"])["Variables"])
	required := []string{"TABLE_NAME"}
	var out []string
	for _, name := range fn.Sends {
		q, ok := queues[name]
		if !ok {
			out = append(out, fmt.Sprintf("function %s: app.Functions says it sends to %s, which is not in app.Queues", fn.ID, name))
			continue
		}
		required = append(required, q.URLVar)
		if got, _ := t.queueURL(vars[q.URLVar]); vars[q.URLVar] != nil && got != q.ID {
			out = append(out, fmt.Sprintf("function %s: %s is %v, want !Ref %s", fn.ID, q.URLVar, vars[q.URLVar], q.ID))
		}
	}
	required = append(required, fn.Env...)
	for _, name := range required {
		if _, ok := vars[name]; !ok {
			out = append(out, fmt.Sprintf("function %s: app.Functions requires %s, which its Environment lacks", fn.ID, name))
		}
	}
	var extra []string
	for name := range vars {
		if !slices.Contains(required, name) && !slices.Contains(optionalEnv, name) {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	for _, name := range extra {
		out = append(out, fmt.Sprintf("function %s: its Environment sets %s, which its entry in app.Functions does not require (add it to Sends or Env, or drop it)", fn.ID, name))
	}
	return out
}

// scheduleExpression is the EventBridge Scheduler expression of s: a rate
// in whole minutes, hours or days, or a daily cron at a whole minute.
func scheduleExpression(s app.Schedule) (string, error) {
	if s.Daily {
		if s.At < 0 || s.At >= 24*time.Hour || s.At%time.Minute != 0 {
			return "", fmt.Errorf("daily at %v: want a whole minute of the day", s.At)
		}
		return fmt.Sprintf("cron(%d %d * * ? *)", int(s.At.Minutes())%60, int(s.At.Hours())), nil
	}
	var n int
	var unit string
	switch d := s.Every; {
	case d <= 0 || d%time.Minute != 0:
		return "", fmt.Errorf("every %v: want whole minutes", d)
	case d%(24*time.Hour) == 0:
		n, unit = int(d/(24*time.Hour)), "day"
	case d%time.Hour == 0:
		n, unit = int(d/time.Hour), "hour"
	default:
		n, unit = int(d/time.Minute), "minute"
	}
	if n != 1 {
		unit += "s"
	}
	return fmt.Sprintf("rate(%d %s)", n, unit), nil
}

func TestScheduleExpression(t *testing.T) {
	for _, tc := range []struct {
		s    app.Schedule
		want string
	}{
		{app.Schedule{Every: time.Minute}, "rate(1 minute)"},
		{app.Schedule{Every: 5 * time.Minute}, "rate(5 minutes)"},
		{app.Schedule{Every: time.Hour}, "rate(1 hour)"},
		{app.Schedule{Every: 90 * time.Minute}, "rate(90 minutes)"},
		{app.Schedule{Every: 48 * time.Hour}, "rate(2 days)"},
		{app.Schedule{Daily: true, At: 6 * time.Hour}, "cron(0 6 * * ? *)"},
		{app.Schedule{Daily: true, At: 7*time.Hour + 30*time.Minute}, "cron(30 7 * * ? *)"},
		{app.Schedule{Daily: true}, "cron(0 0 * * ? *)"},
		{app.Schedule{Every: 30 * time.Second}, ""},
		{app.Schedule{}, ""},
		{app.Schedule{Daily: true, At: 24 * time.Hour}, ""},
	} {
		got, err := scheduleExpression(tc.s)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("scheduleExpression(%+v) = %q, %v; want %q", tc.s, got, err, tc.want)
		}
	}
}

// functionsExample has one function of each kind; exampleFunctions and
// exampleQueues are its list. Each case of TestCheckFunctions_FindProblems
// breaks one thing in one of them.
const functionsExample = `
Parameters:
  AssociationTimeZone: {Type: String}
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt JobsDLQ.Arn, maxReceiveCount: 5}
  JobsDLQ:
    Type: AWS::SQS::Queue
  Other:
    Type: AWS::SQS::Queue
  Api:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables: {TABLE_NAME: !Ref Table, JOBS_URL: !Ref Jobs, SECRET: s, ROLE_CLAIM: cognito:groups}
      Events:
        Get: {Type: HttpApi, Properties: {Method: GET, Path: /things}}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables: {TABLE_NAME: !Ref Table, OTHER_URL: !Ref Other}
      Policies:
        - Statement:
            - {Effect: Allow, Action: [dynamodb:PutItem, dynamodb:UpdateItem], Resource: !GetAtt Table.Arn}
      Events:
        Work: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}
  Sweeper:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables: {TABLE_NAME: !Ref Table}
      Events:
        Often: {Type: ScheduleV2, Properties: {ScheduleExpression: rate(1 minute)}}
  Daily:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables: {TABLE_NAME: !Ref Table, LOG_LEVEL: !Ref LogLevel}
      Events:
        Daily: {Type: ScheduleV2, Properties: {ScheduleExpression: 'cron(0 6 * * ? *)', ScheduleExpressionTimezone: !Ref AssociationTimeZone}}
`

func exampleFunctions() []app.Function {
	return []app.Function{
		{ID: "Api", Dir: "api", Kind: app.HTTP, Sends: []string{"jobs"}, Env: []string{"SECRET"}},
		{ID: "Worker", Dir: "worker", Kind: app.Consumer, Queue: "jobs", Sends: []string{"other"}, Counts: true},
		{ID: "Sweeper", Dir: "sweeper", Kind: app.Scheduled, Schedule: app.Schedule{Job: "sweep", Every: time.Minute}},
		{ID: "Daily", Dir: "daily", Kind: app.Scheduled, Schedule: app.Schedule{Job: "daily", Daily: true, At: 6 * time.Hour}},
	}
}

func exampleQueues() []app.Queue {
	return []app.Queue{{Name: "jobs", ID: "Jobs", URLVar: "JOBS_URL"}, {Name: "other", ID: "Other", URLVar: "OTHER_URL"}}
}

func TestCheckFunctions_FindProblems(t *testing.T) {
	t.Run("Valid", func(t *testing.T) {
		for _, p := range checkFunctions(parseExample(t, functionsExample), exampleFunctions(), exampleQueues()) {
			t.Error(p)
		}
	})
	tests := []struct {
		name     string
		old, new string               // replaced once in functionsExample ("" old: no change)
		list     func([]app.Function) // changes the list
		queues   func([]app.Queue)
		want     string
	}{
		{name: "FunctionNotInList", list: func(f []app.Function) { f[2].ID = "Sweep" },
			want: "function Sweeper is in the template but not in app.Functions"},
		{name: "FunctionNotInTemplate", old: "  Sweeper:\n", new: "  Sweep:\n",
			want: "function Sweeper is in app.Functions but not"},
		{name: "ConsumerOnOtherQueue", old: "Queue: !GetAtt Jobs.Arn", new: "Queue: !GetAtt Other.Arn",
			want: "consumes Other.Arn, but app.Functions says queue jobs (Jobs)"},
		{name: "ConsumerOfOtherQueueInList", list: func(f []app.Function) { f[1].Queue = "other" },
			want: "consumes Jobs.Arn, but app.Functions says queue other (Other)"},
		{name: "ConsumerWithoutSQS", old: "Work: {Type: SQS,", new: "Work: {Type: SNS,", want: "want one SQS event"},
		{name: "ConsumerInListIsHTTP", list: func(f []app.Function) { f[1].Kind = app.HTTP }, want: "want HttpApi events only"},
		{name: "HTTPWithSchedule", old: "        Get: {Type: HttpApi,", new: "        Tick: {Type: ScheduleV2, Properties: {ScheduleExpression: rate(1 hour)}}\n        Get: {Type: HttpApi,",
			want: "want HttpApi events only"},
		{name: "RateChanged", old: "rate(1 minute)", new: "rate(5 minutes)", want: "ScheduleExpression rate(5 minutes), but app.Functions says rate(1 minute)"},
		{name: "RateChangedInList", list: func(f []app.Function) { f[2].Schedule.Every = time.Hour }, want: "app.Functions says rate(1 hour)"},
		{name: "DailyTimeChanged", old: "cron(0 6 * * ? *)", new: "cron(0 8 * * ? *)", want: "app.Functions says cron(0 6 * * ? *)"},
		{name: "DailyTimeChangedInList", list: func(f []app.Function) { f[3].Schedule.At = 7 * time.Hour }, want: "app.Functions says cron(0 7 * * ? *)"},
		{name: "DailyInUTC", old: ", ScheduleExpressionTimezone: !Ref AssociationTimeZone", new: "", want: "ScheduleExpressionTimezone"},
		{name: "ScheduleNotV2", old: "Often: {Type: ScheduleV2,", new: "Often: {Type: Schedule,", want: "want one ScheduleV2 event"},
		{name: "ScheduleInListIsRateInTemplate", list: func(f []app.Function) {
			f[2].Schedule = app.Schedule{Job: "sweep", Daily: true, At: 0}
		}, want: "app.Functions says cron(0 0 * * ? *)"},
		{name: "RequiredVariableMissing", old: ", SECRET: s", new: "", want: "function Api: app.Functions requires SECRET"},
		{name: "QueueURLMissing", old: "{TABLE_NAME: !Ref Table, OTHER_URL: !Ref Other}", new: "{TABLE_NAME: !Ref Table}",
			want: "function Worker: app.Functions requires OTHER_URL"},
		{name: "VariableNotRequired", old: "{TABLE_NAME: !Ref Table}\n      Events:\n        Often", new: "{TABLE_NAME: !Ref Table, STRIPE_SECRET_KEY: k}\n      Events:\n        Often",
			want: "function Sweeper: its Environment sets STRIPE_SECRET_KEY"},
		{name: "SendsNotInList", list: func(f []app.Function) { f[1].Sends = nil }, want: "function Worker: its Environment sets OTHER_URL"},
		{name: "SendsUnknownQueue", list: func(f []app.Function) { f[1].Sends = []string{"nope"} }, want: "sends to nope, which is not in app.Queues"},
		{name: "URLOfOtherQueue", old: "OTHER_URL: !Ref Other", new: "OTHER_URL: !Ref Jobs", want: "OTHER_URL is Jobs, want !Ref Other"},
		{name: "QueueNotInList", queues: func(q []app.Queue) { q[1].ID = "Another" }, want: "queue Other is in the template but not in app.Queues"},
		{name: "QueueNotInTemplate", queues: func(q []app.Queue) { q[1].ID = "Another" }, want: "Another (other) is not an AWS::SQS::Queue"},
		{name: "CounterWithoutUpdate", old: "[dynamodb:PutItem, dynamodb:UpdateItem]", new: "[dynamodb:PutItem]",
			want: "function Worker keeps the office's counters (Counts in app.Functions) but may not dynamodb:UpdateItem"},
		{name: "UpdateWithoutCounter", list: func(f []app.Function) { f[1].Counts = false },
			want: "function Worker may dynamodb:UpdateItem but keeps no counter"},
		{name: "QueueURLVarMisnamed", queues: func(q []app.Queue) { q[0].URLVar = "JOB_QUEUE_URL" }, want: "want JOBS_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := functionsExample
			if tt.old != "" {
				if strings.Count(src, tt.old) != 1 {
					t.Fatalf("%q is not once in functionsExample", tt.old)
				}
				src = strings.Replace(src, tt.old, tt.new, 1)
			}
			fns, queues := exampleFunctions(), exampleQueues()
			if tt.list != nil {
				tt.list(fns)
			}
			if tt.queues != nil {
				tt.queues(queues)
			}
			problems := checkFunctions(parseExample(t, src), fns, queues)
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("want a problem containing %q, got %q", tt.want, problems)
			}
		})
	}
}
