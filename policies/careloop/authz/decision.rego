# METADATA
# title: Careloop authorisation
# description: |
#   Decides every read and every change the hub performs, and which fields a caller may see.
#   Deny by default; a denial says whether the caller may even learn the resource exists.
#   This file holds the entry point, the roles and the denials shared by every capability; each capability
#   grants its own actions and fields in its own file of this package (referral.rego, subject.rego,
#   warning.rego, signal.rego, enrolment.rego).
#   Law (as the domain brief reads it):
#   - PIPL Art. 28: health data and all data of children under 14 are sensitive personal information.
#   - PIPL Art. 6: purpose limitation and least data: only the fields a role needs.
#   - PIPL Art. 23: passing data to another organisation only to the named recipient.
#   - Mental Health Law Art. 4: a patient's identity and records are confidential.
package careloop.authz

# METADATA
# title: decision
# description: The one entry point the hub evaluates. Input contract in core/ports/policy-engine.ts.
# entrypoint: true
decision := {
	"allow": allow,
	"conceal": conceal,
	"fields": fields,
	"reasons": reasons,
	"basis": basis,
	"obligations": obligations,
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

# Some refusals may not even say that there is something to refuse (consent.rego).
conceal if {
	not allow
	_always_conceal
}

default fields := []

fields := sort(_fields_for_role) if allow

default reasons := []

reasons := [r | some r in _denials] if {
	not allow
	count(_denials) > 0
} else := ["not permitted for this role"] if {
	not allow
}

# The lawful basis an allowed processing rests on, recorded with every audited decision (PIPL Art. 13):
# - "consent": the guardian's separate consent (Arts. 13(1), 29, 31): the green-channel referral, which the
#   guardians are told of in writing and take part in;
# - "statutory-duty": a duty in law (Art. 13(3)): the school's warning list and enrolment register, police signals
#   and reports of harm (Minors Protection Law Art. 11);
# - "emergency": protecting a child's life or health (Art. 13(4)), declared by break-glass.
# A denial rests on nothing and records "".
# What the hub must do when it acts on an allowed decision: "audit" (always), "require-justification" (the caller
# states why, and it is kept), "notify-guardian" (the child's guardians are told, unless a suspicion of harm stands
# against one), "review" (the case waits for the district bureau's sign-off).
default obligations := []

obligations := sort([o | some o in _obligations]) if allow

_obligations contains "audit"

# PIPL Art. 13(4): every access inside a declared emergency is reviewed afterwards.
_obligations contains "review" if input.emergency == true

default basis := ""

basis := _declared_basis if {
	allow
	_declared_basis
} else := "emergency" if {
	# Every decision inside a declared emergency's window is flagged, whatever else allowed it.
	allow
	input.emergency == true
} else := _basis_of_purpose[input.purpose] if {
	allow
}

_basis_of_purpose := {
	"referral": "consent",
	"warning": "statutory-duty",
	"signal": "statutory-duty",
	"enrolment": "statutory-duty",
	"consent": "consent",
	"emergency": "emergency",
}

# Opening a police note names its own basis (signal.rego).
_declared_basis := lower(replace(_resource.noteBasis, "_", "-")) if input.action == "signal.open-note"

_principal := input.principal

_resource := input.resource

# --- roles -------------------------------------------------------------------------------------

_school_staff_roles := {"psychology-teacher", "crisis-team"}

# Hospitals and community counselling / growth-guidance centres receive referrals; `system` is the agency's
# own system acting through its connector.
_receiving_roles := {
	"hospital": {"hospital-liaison", "clinician", "system"},
	"counselling-centre": {"counsellor", "system"},
}

_is_school_staff if {
	_principal.agencyType == "school"
	_principal.role in _school_staff_roles
}

_is_receiving_staff if _principal.role in _receiving_roles[_principal.agencyType]

# A guardian holds an identity their child's school issued (consent.rego decides to which children it links them).
_is_guardian if {
	_principal.agencyType == "school"
	_principal.role == "guardian"
}

_is_bureau_analyst if {
	_principal.agencyType == "education-bureau"
	_principal.role == "bureau-analyst"
}

# A bureau oversees the schools of its own district; a principal without a district oversees none.
_in_principal_district(district_id) if {
	is_string(_principal.districtId)
	_principal.districtId != ""
	district_id == _principal.districtId
}

# Collections exist for everybody: listing is decided per item.
_may_know_resource if _resource.type == "collection"

# --- denials that hold whatever the role ---------------------------------------------------------

_authenticated if is_object(input.principal)

# PIPL Art. 6: every action serves one declared purpose; a request declared for another may not take it.
# The warning list is kept under the school's statutory duty of care (PIPL Art. 13(3)), referrals for care.
default _purpose_of_action := "referral"

_purpose_of_action := "warning" if startswith(input.action, "warning.")

# Police signals and school reports serve the duty to protect minors (Minors Protection Law Art. 11).
_purpose_of_action := "signal" if startswith(input.action, "signal.")

_purpose_of_action := "enrolment" if startswith(input.action, "enrolment.")

# Keeping the guardians' consents and links is done with the guardian's consent, in its own purpose.
_purpose_of_action := "consent" if startswith(input.action, "consent.")

# Declaring and reviewing a break-glass emergency is processing to protect the child's life (PIPL Art. 13(4)).
_purpose_of_action := "emergency" if startswith(input.action, "emergency.")

_denials contains "unauthenticated" if not _authenticated

_denials contains "the declared purpose does not cover this action" if input.purpose != _purpose_of_action

default _fields_for_role := []
