# Guardians and their consents
# - PIPL Art. 31: for a child under 14 the guardian consents; Arts. 14 and 29: consent to sensitive data is
#   separate, informed and specific (purposes, categories of data, recipients, a period); Art. 15: it can be
#   withdrawn at any time, and withdrawal counts from then on.
# - PIPL Arts. 44-45: the guardian may know what is held about the child and who used it.
# - Minors Protection Law Art. 11: a guardian suspected of being the source of harm is neither shown the record
#   nor notified while the suspicion stands; the school records the exception and reviews it.
package careloop.authz

_is_consent if _resource.type == "consent"

_is_guardian_link if _resource.type == "guardian-link"

# The principal is the child's guardian as the school linked them, and no suspicion of harm stands against them.
_guardian_of_child if {
	_principal.agencyType == "school"
	_principal.role == "guardian"
	some r in input.relationships
	r.kind == "guardian"
	r.subjectId == _resource.subjectId
	r.suspectedOfHarm != true
}

_guardian_suspected if {
	_principal.role == "guardian"
	some r in input.relationships
	r.kind == "guardian"
	r.subjectId == _resource.subjectId
	r.suspectedOfHarm == true
}

# A member of staff who is the child's guardian does not work their own child's case: colleagues do, and the staff
# member sees the child as a guardian, under their guardian identity. Whether or not a suspicion stands against
# them (Minors Protection Law Art. 11), so that what they are shown never tells them which. The hub looks up the
# caller's guardian link for every caller, matching the user id of the school's sign-in.
_staff_guardian_of_child if {
	_principal.role != "guardian"
	some r in input.relationships
	r.kind == "guardian"
	r.subjectId == _resource.subjectId
}

_own_consent if _resource.guardianUserId == _principal.userId

# --- who may know ---------------------------------------------------------------------------------

_may_know_resource if {
	_is_consent
	_is_school_staff
	_own_school
}

# A guardian knows of the child's list and of their own consents, not of another guardian's.
_may_know_resource if {
	_is_consent
	_guardian_of_child
	_resource.guardianUserId in {"", _principal.userId}
}

# The school's psychology staff know the guardians the school linked to its students, and nobody else learns
# whether a link or a suspicion exists: a guardian asking about their own link is answered as for a missing one,
# whether a suspicion stands or not (Minors Protection Law Art. 11).
_may_know_resource if {
	_is_guardian_link
	_is_school_staff
	_own_school
}

# --- grants ---------------------------------------------------------------------------------------

# The school's psychology staff link the guardians the school identified, and record a suspicion of harm.
# Minors Protection Law Art. 11: the exception is recorded and reviewed; the same staff see the child's guardians
# with what was recorded about them, review a standing suspicion and keep the school's review queue.
_granted if {
	input.action in {
		"consent.link-guardian", "consent.record-concern", "consent.review-concern", "consent.list-guardians",
		"consent.read-guardian-link",
	}
	_is_guardian_link
	_is_school_staff
	_own_school
}

_granted if {
	input.action == "consent.list-concerns"
	_resource.type == "collection"
	_is_school_staff
}

# The school records the consent a guardian gave on paper; the guardian grants, amends and revokes their own.
_granted if {
	input.action in {"consent.grant", "consent.amend", "consent.revoke", "consent.read", "consent.list"}
	_is_consent
	_is_school_staff
	_own_school
}

_granted if {
	input.action in {"consent.grant", "consent.revoke", "consent.read"}
	_is_consent
	_guardian_of_child
	_own_consent
}

# A guardian amends what they recorded themselves; a consent the school recorded from a signed form they revoke
# and give anew, so the school's evidence is never overwritten by someone who cannot see it.
_granted if {
	input.action == "consent.amend"
	_is_consent
	_guardian_of_child
	_own_consent
	_resource.recordedBy == _principal.userId
}

_granted if {
	input.action in {"consent.list", "consent.read-child"}
	_is_consent
	_guardian_of_child
}

# --- denials --------------------------------------------------------------------------------------

# Never shown, whatever else holds: the denial conceals (the guardian learns nothing, not even that a record exists).
_denials contains "a suspicion of harm stands against this guardian" if _guardian_suspected

_denials contains "a member of staff does not act on their own child's record" if _staff_guardian_of_child

# Nobody records or clears a suspicion about themselves (a staff member who is also a child's guardian).
_denials contains "nobody records or clears a concern about themselves" if {
	input.action in {"consent.record-concern", "consent.review-concern", "consent.read-guardian-link"}
	_resource.guardianUserId == _principal.userId
}

# Minors Protection Law Art. 11: a suspected guardian learns nothing, not even that there is something refused;
# and a staff member asking about their own child, or their own link as a guardian, is answered the same whether or
# not a suspicion stands, so the answer never tells them which.
_always_conceal if _guardian_suspected

_always_conceal if _staff_guardian_of_child

_always_conceal if {
	_is_guardian_link
	_resource.guardianUserId == _principal.userId
}

# --- fields ---------------------------------------------------------------------------------------

_consent_fields := {
	"id", "subjectId", "guardianUserId", "purposes", "categories", "recipients", "validFrom", "validUntil",
	"recordedBy", "recordedAt", "version", "revokedAt", "revokedBy", "holds",
}

# PIPL Art. 6: the link and the suspicion's record, for those who keep and review it.
_fields_for_role := {"id", "subjectId", "guardianUserId", "linkedBy", "linkedAt", "suspectedOfHarm", "concern", "reviewDueAt"} if {
	_is_guardian_link
	_is_school_staff
}

# The evidence (a form's reference) is the school's record; a guardian sees what they agreed to.
_fields_for_role := _consent_fields | {"evidence"} if {
	_is_consent
	_is_school_staff
}

_fields_for_role := _consent_fields if {
	_is_consent
	_guardian_of_child
}
