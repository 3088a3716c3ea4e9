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

_fields_for_role := {"id", "grade", "schoolAgencyId", "localRef", "classRef"} if _resource.type == "subject"
