# Subjects
# A school's pseudonymous students: only that school's psychology and crisis staff list and read them.
# PIPL Art. 28 and 31: a child's data is sensitive; nobody outside the school learns who is enrolled.
package careloop.authz

_may_know_resource if {
	_resource.type == "subject"
	_is_school_staff
	_resource.schoolAgencyId == _principal.agencyId
}

_may_know_resource if {
	_resource.type == "subject"
	_guardian_of_child
}

_may_know_resource if {
	_resource.type == "access-entry"
	_is_school_staff
	_resource.schoolAgencyId == _principal.agencyId
}

_may_know_resource if {
	_resource.type == "access-entry"
	_guardian_of_child
}

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

# PIPL Arts. 44-45: who saw the child's data, when and why, for the psychology staff of the child's school (the
# guardian's own view comes with guardian principals).
_granted if {
	input.action == "subject.read-access-log"
	_resource.type == "subject"
	_is_school_staff
	_resource.schoolAgencyId == _principal.agencyId
}

_granted if {
	input.action == "subject.read-access-log"
	_resource.type == "subject"
	_guardian_of_child
}

# One entry of a child's access log (PIPL Art. 45): the school's psychology staff see every entry; a guardian the
# disclosures made (which organisation, in which role, what for, on which basis), not the staff's names, not
# refusals, and not the hub's own bookkeeping about the guardians (links, concerns, consents, emergencies), which
# could tell one guardian of a suspicion about the other.
_granted if {
	input.action == "subject.read-access-entry"
	_resource.type == "access-entry"
	_is_school_staff
	_resource.schoolAgencyId == _principal.agencyId
}

_granted if {
	input.action == "subject.read-access-entry"
	_resource.type == "access-entry"
	_guardian_of_child
	_resource.allowed == true
	not _guardian_bookkeeping
}

_guardian_bookkeeping if startswith(_resource.entryAction, "consent.")

_guardian_bookkeeping if startswith(_resource.entryAction, "emergency.")

_guardian_bookkeeping if startswith(_resource.entryAction, "subject.read-access")

_access_entry_fields := {"at", "agencyId", "role", "action", "resourceType", "fields", "allowed", "purpose", "legalBasis"}

_fields_for_role := {"id", "grade", "schoolAgencyId", "localRef", "classRef"} if _resource.type == "subject"

_fields_for_role := _access_entry_fields | {"userId", "correlationId"} if {
	_resource.type == "access-entry"
	_is_school_staff
}

_fields_for_role := _access_entry_fields if {
	_resource.type == "access-entry"
	_guardian_of_child
}
