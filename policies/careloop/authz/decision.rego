# METADATA
# title: Careloop authorisation
# description: |
#   Decides every read and every change the hub performs, and which fields a caller may see.
#   Deny by default; a denial says whether the caller may even learn the resource exists.
#   Law (as the domain brief reads it):
#   - PIPL Art. 28: health data and all data of children under 14 are sensitive personal information.
#   - PIPL Art. 6: purpose limitation and least data: only the fields a role needs.
#   - PIPL Art. 23: passing data to another organisation only to the named recipient.
#   - Mental Health Law Art. 4: a patient's identity and records are confidential.
package careloop.authz

import rego.v1

# METADATA
# title: decision
# description: The one entry point the hub evaluates. Input contract in core/ports/policy-engine.ts.
# entrypoint: true
decision := {
	"allow": allow,
	"conceal": conceal,
	"fields": fields,
	"reasons": reasons,
}

default allow := false

allow if {
	count(_denials) == 0
	_granted
}

# A caller who may not read the resource must not learn it exists (answered as NOT_FOUND).
default conceal := false

conceal if {
	not allow
	not _may_know_resource
}

default fields := []

fields := _fields_for_role if allow

default reasons := []

reasons := [r | some r in _denials] if {
	not allow
	count(_denials) > 0
} else := ["not permitted for this role"] if {
	not allow
}

_principal := input.principal

_resource := input.resource

_school_staff_roles := {"psychology-teacher", "crisis-team"}

_hospital_roles := {"hospital-liaison", "clinician", "system"}

_is_school_staff if {
	_principal.agencyType == "school"
	_principal.role in _school_staff_roles
}

_is_hospital_staff if {
	_principal.agencyType == "hospital"
	_principal.role in _hospital_roles
}

# --- who may know that a resource exists -------------------------------------------------------

_may_know_resource if _resource.type == "collection"

_may_know_resource if {
	_resource.type == "subject"
	_is_school_staff
	_resource.schoolAgencyId == _principal.agencyId
}

# Creating a referral is about a subject: the school may know only its own students.
_may_know_resource if {
	input.action == "referral.create"
	_is_school_staff
	_resource.subjectSchoolAgencyId == _principal.agencyId
}

_may_know_resource if {
	input.action != "referral.create"
	_can_read_referral
}

# The referring school's psychology staff, and the receiving hospital, may read a referral.
# Mental Health Law Art. 4: nobody else; not the police, not another school or hospital, not a class teacher.
_can_read_referral if {
	_resource.type == "referral"
	_is_school_staff
	_resource.schoolAgencyId == _principal.agencyId
}

_can_read_referral if {
	_resource.type == "referral"
	_is_hospital_staff
	_resource.hospitalAgencyId == _principal.agencyId
}

# --- what each action requires ------------------------------------------------------------------

_granted if {
	input.action == "subject.list"
	_resource.type == "collection"
	_is_school_staff
}

_granted if {
	input.action == "subject.read"
	_resource.type == "subject"
	_is_school_staff
	_resource.schoolAgencyId == _principal.agencyId
}

_granted if {
	input.action == "referral.list"
	_resource.type == "collection"
	_is_school_staff
}

_granted if {
	input.action == "referral.list"
	_resource.type == "collection"
	_is_hospital_staff
}

_granted if {
	input.action == "referral.read"
	_can_read_referral
}

_granted if {
	input.action == "referral.create"
	_resource.type == "referral"
	_is_school_staff
	_resource.schoolAgencyId == _principal.agencyId
	_resource.subjectSchoolAgencyId == _principal.agencyId
}

# Only the hospital a referral is addressed to decides on it (PIPL Art. 23: the named recipient).
_granted if {
	input.action in {"referral.accept", "referral.decline"}
	_resource.type == "referral"
	_is_hospital_staff
	_resource.hospitalAgencyId == _principal.agencyId
}

_granted if {
	input.action == "referral.withdraw"
	_resource.type == "referral"
	_is_school_staff
	_resource.schoolAgencyId == _principal.agencyId
}

# --- denials that hold whatever the role ------------------------------------------------------------

_authenticated if is_object(input.principal)

_denials contains "unauthenticated" if not _authenticated

_denials contains "processing is only allowed for the referral purpose" if input.purpose != "referral"

_denials contains "recipient is not a hospital" if {
	input.action == "referral.create"
	_resource.hospitalAgencyType != "hospital"
}

# The green channel requires the written mental-health status notice to the guardians before a referral;
# for children under 14 the guardians are also the ones who consent (PIPL Art. 31).
_denials contains "guardians must be notified in writing before a referral" if {
	input.action == "referral.create"
	_resource.guardiansNotified != true
}

# --- least data ---------------------------------------------------------------------------------------

_referral_fields := {
	"id", "state", "subjectId", "reason", "guardiansNotified", "schoolAgencyId", "hospitalAgencyId",
	"createdAt", "updatedAt", "createdBy", "timeline", "declineReason", "deliveryProblems",
}

# The hospital needs the case, not the school's people: no creator, and in the timeline who acted only by
# agency, never by user id (PIPL Art. 6, least data). A dotted name discloses that field of every nested item.
_timeline_fields_for_hospital := {"timeline.sequence", "timeline.state", "timeline.action", "timeline.actorAgencyId", "timeline.at"}

_hospital_referral_fields := (_referral_fields - {"createdBy", "timeline", "deliveryProblems"}) | _timeline_fields_for_hospital

_subject_fields := {"id", "grade", "schoolAgencyId", "localRef"}

default _fields_for_role := []

_fields_for_role := sort(_referral_fields) if {
	_resource.type == "referral"
	_is_school_staff
} else := sort(_hospital_referral_fields) if {
	_resource.type == "referral"
	_is_hospital_staff
} else := sort(_subject_fields) if {
	_resource.type == "subject"
}
