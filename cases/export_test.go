package cases

// UnmarshalEventFast is unmarshalEventFast, for the tests of package
// cases_test (which reads a demo, and the demo imports cases).
var UnmarshalEventFast = unmarshalEventFast

// UnmarshalRulesFast is unmarshalRulesFast, for the same tests.
var UnmarshalRulesFast = unmarshalRulesFast
