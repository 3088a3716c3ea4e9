# Warning register
# The school's key-student warning list, the crisis assessments that put a student on it, and the screening
# results they start from.
# - PIPL Art. 13(3): the school keeps the list to fulfil its statutory duty of care (Minors Protection Law;
#   the bureaus' crisis-intervention rules), so the list itself needs no consent; it stays inside the school.
# - PIPL Art. 28 and 31, Mental Health Law Art. 4: a child's assessment and scale scores are sensitive; only the
#   school's psychology teachers and crisis-assessment group read them.
# - PIPL Art. 6: least data. Whoever proposes a student learns that the proposal was filed, never its outcome;
#   mentors and class teachers see no assessment, no entry and no score.
package careloop.authz

_is_warning if _resource.type == "warning"

_is_assessment if _resource.type == "warning-assessment"

# Everybody at the school who observes and may put a student forward: teachers, mentors and the other staff
# (aides, guards, dorm and canteen staff) on the daily observation form (R09-R12, R16).
_school_people_roles := {"psychology-teacher", "crisis-team", "class-teacher", "mentor", "staff"}

# The people assigned to a student (R11): they see a flag and their own tasks, never the case.
_carer_roles := {"mentor", "class-teacher"}

# The relationship is looked up by the hub for every decision (core/access/policy-context.ts), never sent by
# the caller: a mentor removed from a student loses the flag at the next request.
_is_carer_of_resource if {
	_principal.agencyType == "school"
	_principal.role in _carer_roles
	some r in input.relationships
	r.kind in {"mentor", "class-teacher"}
	r.subjectId == _resource.subjectId
}

_is_task_assignee if {
	_resource.type == "care-task"
	_principal.agencyType == "school"
	_resource.assigneeUserId == _principal.userId
}

_is_school_person if {
	_principal.agencyType == "school"
	_principal.role in _school_people_roles
}

_is_crisis_team if {
	_principal.agencyType == "school"
	_principal.role == "crisis-team"
}

# The school's own system, through its connector (imports).
_is_school_system if {
	_principal.agencyType == "school"
	_principal.role == "system"
}

_proposed_by_caller if {
	_is_assessment
	_resource.proposedBy == _principal.userId
}

# --- who may know ---------------------------------------------------------------------------------

_may_know_resource if {
	input.action in {"warning.propose", "warning.observe"}
	_resource.type == "subject"
	_is_school_person
	_own_school
}

_may_know_resource if {
	_resource.type in {"warning", "warning-assessment", "screening-record", "care-task"}
	_is_school_staff
	_own_school
}

# PIPL Arts. 31, 44-45 and the written status notice (R19): the guardian the school linked to the child knows
# that the child is on the school's warning list. A guardian suspected of being the source of harm is shown
# nothing (Minors Protection Law Art. 11; consent.rego).
_may_know_resource if {
	_is_warning
	_guardian_of_child
	_own_school
	_resource.guardianNoticeRecorded == true
}

_may_know_resource if {
	_proposed_by_caller
	_is_school_person
	_own_school
}

_may_know_resource if {
	_is_task_assignee
	_own_school
}

_may_know_resource if {
	_resource.type == "care-flag"
	_is_carer_of_resource
	_own_school
}

# A district's special-attention kinds are configuration its schools and bureau use (no personal data).
_may_know_resource if {
	input.action == "warning.read-kinds"
	_resource.type == "district"
	_principal.agencyType in {"school", "education-bureau"}
	_in_principal_district(_resource.districtId)
}

_may_know_resource if {
	_resource.type == "screening-import"
	_is_school_system
	_own_school
}

# --- what each may do -------------------------------------------------------------------------------

# R16: a mentor or any observer proposes one of the school's own students for assessment.
_granted if {
	input.action == "warning.propose"
	_resource.type == "subject"
	_is_school_person
	_own_school
}

_granted if {
	input.action in {"warning.list", "warning.list-assessments"}
	_resource.type == "collection"
	_is_school_person
}

_granted if {
	input.action == "warning.read"
	_is_warning
	_is_school_staff
	_own_school
}

# The guardians learn of the entry from the school's written status notice (R19), not from the hub before it:
# until the notice is on record, the school may still find that a guardian is the source of harm.
_granted if {
	input.action == "warning.read"
	_is_warning
	_guardian_of_child
	_own_school
	_resource.guardianNoticeRecorded == true
}

_granted if {
	input.action == "warning.read-assessment"
	_is_assessment
	_is_school_staff
	_own_school
}

# The proposer sees that the proposal was filed, and nothing of what followed (fields below).
_granted if {
	input.action == "warning.read-assessment"
	_proposed_by_caller
	_is_school_person
	_own_school
}

# R16: the psychology teacher holds the one-to-one assessment interview.
_granted if {
	input.action == "warning.record-interview"
	_is_assessment
	_is_school_staff
	_own_school
}

# R17: only the crisis-assessment group confirms a category or dismisses.
_granted if {
	input.action in {"warning.confirm", "warning.dismiss"}
	_is_assessment
	_is_crisis_team
	_own_school
}

# R19-R20, R28: the psychology staff review the entry, keep its plan and record the notice to the guardians.
_granted if {
	input.action in {"warning.review", "warning.adopt-plan", "warning.record-guardian-notice"}
	_is_warning
	_is_school_staff
	_own_school
}

# R18-R19: escalating, lifting and raising again are the group's decisions.
_granted if {
	input.action in {"warning.recategorise", "warning.lift", "warning.reraise"}
	_is_warning
	_is_crisis_team
	_own_school
}

# R07-R08: only the school's own system imports its census, for its own students.
_granted if {
	input.action == "warning.import-screening"
	_resource.type == "screening-import"
	_is_school_system
	_own_school
}

# R08: a student's results feed the assessment: the school's psychology staff read them, nobody else.
_granted if {
	input.action == "warning.read-screening"
	_resource.type == "screening-record"
	_is_school_staff
	_own_school
}

# R09-R10: any staff member files what they saw about a student of the school.
_granted if {
	input.action == "warning.observe"
	_resource.type == "subject"
	_is_school_person
	_own_school
}

# R11: the psychology staff assign mentors and class teachers.
_granted if {
	input.action == "warning.assign-carer"
	_resource.type == "subject"
	_is_school_staff
	_own_school
}

_granted if {
	input.action == "warning.list-tasks"
	_resource.type == "collection"
	_is_school_person
}

# R22: only a mentor or class teacher has students of their own to list (the same identity with another role would
# page over students whose flags it may not see).
_granted if {
	input.action == "warning.list-my-students"
	_resource.type == "collection"
	_is_school_person
	_principal.role in _carer_roles
}

# R22: a mentor or class teacher sees the handle-with-care flag of the students assigned to them.
_granted if {
	input.action == "warning.read-flag"
	_resource.type == "care-flag"
	_is_carer_of_resource
	_own_school
}

# R13, R21, R30: the psychology staff see every task of the school; anybody else the ones that are theirs.
_granted if {
	input.action in {"warning.read-task", "warning.complete-task"}
	_resource.type == "care-task"
	_is_school_staff
	_own_school
}

_granted if {
	input.action in {"warning.read-task", "warning.complete-task"}
	_is_task_assignee
	_is_school_person
	_own_school
}

# R12, R31: a mentor or class teacher records talks, contacts and visits with the students assigned to them.
_granted if {
	input.action == "warning.record-contact"
	_resource.type == "care-flag"
	_is_carer_of_resource
	_own_school
}

# R11, R12, R31: the district bureau reads its schools' mentor grid and cadence coverage (counts only).
_granted if {
	input.action == "warning.coverage"
	_resource.type == "district"
	_is_bureau_analyst
	_in_principal_district(_resource.districtId)
}

# R74: the district bureau reads its schools' warning counters, never an entry.
_granted if {
	input.action == "warning.counters"
	_resource.type == "district"
	_is_bureau_analyst
	_in_principal_district(_resource.districtId)
}

# R14: the bureau configures the kinds its district tracks; its schools and it read them.
_granted if {
	input.action == "warning.configure-kinds"
	_resource.type == "district"
	_is_bureau_analyst
	_in_principal_district(_resource.districtId)
}

_granted if {
	input.action == "warning.read-kinds"
	_resource.type == "district"
	_principal.agencyType in {"school", "education-bureau"}
	_in_principal_district(_resource.districtId)
}

# The school's psychology staff export their own list to report it upwards (pseudonyms, no free text).
_granted if {
	input.action == "warning.export"
	_resource.type == "collection"
	_is_school_staff
}

# --- fields -------------------------------------------------------------------------------------------

_warning_fields := {
	"id", "subjectId", "schoolAgencyId", "state", "category", "ownerUserId", "plan", "tags", "assessmentId",
	"guardianNotice", "raisedAt", "updatedAt", "liftedAt", "history",
}

# PIPL Art. 6, least data: the guardian sees where the entry stands, the category the written notice told them of,
# the dates of each step and the notice itself; not the school's plan, tags, assessment, or who did what and why.
_guardian_warning_fields := {
	"id", "subjectId", "schoolAgencyId", "state", "category", "raisedAt", "updatedAt", "liftedAt",
	"history.sequence", "history.action", "history.from", "history.to", "history.at", "guardianNotice.givenAt",
	"guardianNotice.channel", "guardianNotice.acknowledgedAt",
}

_assessment_fields := {
	"id", "subjectId", "schoolAgencyId", "state", "proposedBy", "proposedAt", "proposalReason", "interview",
	"decision", "warningId",
}

_care_task_fields := {
	"id", "subjectId", "kind", "cause", "warningId", "observationId", "assigneeUserId", "dueAt", "createdAt",
	"doneAt", "doneBy", "outcome", "overdueRaisedAt",
}

_fields_for_role := _warning_fields if {
	_is_warning
	_is_school_staff
}

_fields_for_role := _guardian_warning_fields if {
	_is_warning
	_guardian_of_child
}

_fields_for_role := _assessment_fields if {
	_is_assessment
	_is_school_staff
}

_fields_for_role := {"id", "subjectId", "proposedBy", "proposedAt"} if {
	_is_assessment
	not _is_school_staff
	_proposed_by_caller
}

_fields_for_role := _care_task_fields if {
	_resource.type == "care-task"
	_is_school_staff
}

# The assignee works the task, without the links into the case file.
_fields_for_role := _care_task_fields - {"warningId", "observationId"} if {
	_resource.type == "care-task"
	not _is_school_staff
	_is_task_assignee
}

_fields_for_role := {"id", "subjectId", "role", "handleWithCare"} if {
	_resource.type == "care-flag"
	_is_carer_of_resource
}

_fields_for_role := {"scale", "takenOn", "score", "assessor"} if {
	_resource.type == "screening-record"
	_is_school_staff
}
