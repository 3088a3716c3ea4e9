# Enrolment register
# The school keeps its register current through its connector (R87): who is enrolled, in which grade and class.
# - PIPL Art. 13(3): keeping the register is the school's statutory duty; the hub links children by a keyed digest
#   of the resident identity number and never keeps the number (Art. 51: de-identification).
# - PIPL Art. 6: the enrolment history (which schools, grades and dates) is read by the current school's
#   psychology staff only, so that a child's record follows them without the old school's case notes.
package careloop.authz

_granted if {
	input.action == "enrolment.apply"
	_resource.type == "enrolment"
	_principal.agencyType == "school"
	_principal.role == "system"
	_own_school
}

_granted if {
	input.action == "enrolment.read-history"
	_resource.type == "subject"
	_is_school_staff
	_own_school
}
