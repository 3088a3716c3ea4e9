# METADATA
# title: Careloop authorisation tests
# description: Named rules, plus every shared case in policies/testdata (the TypeScript suite runs the same cases on the wasm).
package careloop.authz_test

import data.careloop.authz

_teacher := {"agencyId": "school-a", "agencyType": "school", "role": "psychology-teacher", "userId": "t1"}

_police := {"agencyId": "police-a", "agencyType": "public-safety", "role": "police-analyst", "userId": "p1"}

_referral := {
	"type": "referral", "schoolAgencyId": "school-a", "hospitalAgencyId": "hospital-a",
	"hospitalAgencyType": "hospital", "subjectSchoolAgencyId": "school-a", "schoolDistrictId": "d1",
	"channel": "OUTPATIENT", "guardianNoticeRecorded": true, "assessmentCategory": 2, "exceedsSchoolCapacity": true,
	"overdue": false,
}

_input(principal, action) := {"principal": principal, "action": action, "resource": _referral, "purpose": "referral", "consents": [], "relationships": []}

test_an_allowed_referral_rests_on_consent if {
	d := authz.decision with input as _input(_teacher, "referral.read")
	d.basis == "consent"
}

test_a_denial_rests_on_nothing if {
	d := authz.decision with input as _input(_police, "referral.read")
	d.basis == ""
}

_signal := {
	"type": "signal", "policeAgencyId": "police-a", "policeDistrictId": "d1", "schoolAgencyId": "school-a",
	"schoolDistrictId": "d1", "category": "BULLYING_OR_CRIME_VICTIM", "severity": "HIGH", "state": "ROUTED",
	"escalated": false,
}

_signal_input(action, resource) := {
	"principal": _teacher, "action": action, "resource": resource, "purpose": "signal", "consents": [],
	"relationships": [],
}

test_a_routed_signal_is_read_under_the_statutory_duty if {
	d := authz.decision with input as _signal_input("signal.read", _signal)
	d.basis == "statutory-duty"
}

test_opening_the_police_note_records_the_basis_the_school_declared if {
	d := authz.decision with input as _signal_input("signal.open-note", object.union(_signal, {"noteBasis": "STATUTORY_DUTY"}))
	d.allow
	d.basis == "statutory-duty"
	e := authz.decision with input as object.union(
		_signal_input("signal.open-note", object.union(_signal, {"noteBasis": "EMERGENCY"})),
		{"emergency": true},
	)
	e.basis == "emergency"
}

test_every_decision_in_a_declared_emergency_is_flagged_as_such if {
	d := authz.decision with input as object.union(_input(_teacher, "referral.read"), {"emergency": true})
	d.allow
	d.basis == "emergency"
	"treatmentUpdates.clinical" in d.fields
	d.obligations == ["audit", "review"]
}

test_an_ordinary_read_is_only_audited if {
	d := authz.decision with input as _input(_teacher, "referral.read")
	d.obligations == ["audit"]
}

test_a_denial_obliges_nothing if {
	d := authz.decision with input as _input(_police, "referral.read")
	d.obligations == []
}

test_declaring_an_emergency_obliges_a_justification_the_guardians_notice_and_a_review if {
	d := authz.decision with input as {
		"principal": _teacher, "action": "emergency.declare", "purpose": "emergency", "consents": [],
		"relationships": [],
		"resource": {"subjectId": "s1", "type": "emergency", "schoolAgencyId": "school-a", "schoolDistrictId": "d1"},
	}
	d.obligations == ["audit", "notify-guardian", "require-justification", "review"]
}

test_police_cannot_learn_that_a_referral_exists if {
	d := authz.decision with input as _input(_police, "referral.read")
	not d.allow
	d.conceal
	d.fields == []
}

test_a_denial_explains_itself if {
	d := authz.decision with input as object.union(_input(_teacher, "referral.create"), {"resource": object.union(_referral, {"guardianNoticeRecorded": false})})
	"guardians must be notified in writing before a referral" in d.reasons
}

test_an_unauthenticated_caller_is_told_so if {
	d := authz.decision with input as _input(null, "referral.read")
	"unauthenticated" in d.reasons
}

test_an_allowed_decision_has_no_reasons if {
	d := authz.decision with input as _input(_teacher, "referral.read")
	d.allow
	d.reasons == []
}

_matches(d, c) if {
	d.allow == c.expected.allow
	d.conceal == c.expected.conceal
	_fields_match(d, c.expected)
}

_fields_match(_, expected) if not "fields" in object.keys(expected)

_fields_match(d, expected) if d.fields == expected.fields

# One test over every shared case; on failure, `opa test --var-values` shows the names in `failing`.
test_every_shared_case if {
	count(data.authz_cases) > 60
	failing := {c.name |
		some c in data.authz_cases
		d := authz.decision with input as c.input
		not _matches(d, c)
	}
	count(failing) == 0
}
