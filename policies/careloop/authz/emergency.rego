# Break-glass
# - PIPL Art. 13(4): personal information may be processed without consent where necessary to protect a natural
#   person's life or health in an emergency; Art. 18: the individual is told afterwards.
# - The school's crisis staff (psychology teachers and the crisis-assessment group) declare, for one child, with a
#   written justification; the declaration opens more for the person who made it only, for a short window, and
#   every decision in it is recorded with the basis "emergency" (decision.rego).
# - The district bureau, which oversees crisis events in its district, reviews every declaration with the accesses
#   made under it and signs it off.
package careloop.authz

_is_emergency if _resource.type == "emergency"

_may_know_resource if {
	_is_emergency
	_is_school_staff
	_own_school
}

_may_know_resource if {
	_is_emergency
	_is_bureau_analyst
	_in_principal_district(_resource.schoolDistrictId)
}

_granted if {
	input.action == "emergency.declare"
	_is_emergency
	_is_school_staff
	_own_school
}

_granted if {
	input.action == "emergency.list"
	_resource.type == "collection"
	_is_bureau_analyst
}

_granted if {
	input.action in {"emergency.review", "emergency.sign-off"}
	_is_emergency
	_is_bureau_analyst
	_in_principal_district(_resource.schoolDistrictId)
}

# PIPL Art. 18: the guardian is told; a guardian reads what the hub told them.
_granted if {
	input.action == "emergency.read-notices"
	_resource.type == "collection"
	_principal.agencyType == "school"
	_principal.role == "guardian"
}

# PIPL Arts. 13(4), 18: a declaration states why, the guardians are told, the bureau reviews it.
_obligations contains obligation if {
	input.action == "emergency.declare"
	some obligation in {"require-justification", "notify-guardian", "review"}
}

_fields_for_role := {
	"id", "subjectId", "schoolAgencyId", "declaredByAgency", "declaredByRole", "declaredByUser", "justification",
	"declaredAt", "expiresAt", "reviewedBy", "reviewedAt", "reviewNote", "accesses",
} if {
	_is_emergency
	_is_bureau_analyst
}

_fields_for_role := {"id", "subjectId", "schoolAgencyId", "declaredAt", "expiresAt", "reviewedAt"} if {
	_is_emergency
	_is_school_staff
}
