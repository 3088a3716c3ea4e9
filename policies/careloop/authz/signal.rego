# Signals from public safety, and the school's reports to the police
# - Minors Protection Law (2020) Art. 11: whoever learns that a minor is harmed or at risk must report it; police
#   and schools act on such reports together. Police pass early signs to the child's school (R52) and guide its
#   intervention (R53); schools report crises and suspected harm to the police (R56).
# - PIPL Art. 13(3): both flows serve these statutory duties, so they need no consent; Art. 6 keeps each party to
#   the least data: the school's psychology staff see category and severity, never the police note by default;
#   the police see where their signal stands and what kind of thing the school did, never the school's record.
# - PIPL Art. 28 and 31: the police note about a child is sensitive; it opens only on a lawful basis (the statutory
#   duty for the harms a school must itself act on, the guardian's separate consent (Art. 29), or an emergency
#   (Art. 13(4))) and every opening is recorded.
# - PIPL Art. 23: a signal no school has enrolled goes to no school; the district bureau holds it, without names.
package careloop.authz

_is_signal if _resource.type == "signal"

_is_school_report if _resource.type == "school-report"

_is_police_person if {
	_principal.agencyType == "public-safety"
	_principal.role == "police-analyst"
}

_is_police_system if {
	_principal.agencyType == "public-safety"
	_principal.role == "system"
}

_is_police if _is_police_person

_is_police if _is_police_system

_own_police_signal if {
	_is_police
	_resource.policeAgencyId == _principal.agencyId
}

_routed_to_caller_school if {
	_is_school_staff
	_resource.schoolAgencyId != ""
	_own_school
}

# Minors Protection Law Art. 11, 39-40: the harms a school must itself act on once it knows (domestic violence
# against the child, bullying and crimes against the child). For these the statutory duty opens the note.
_school_duty_categories := {"DOMESTIC_VIOLENCE_EXPOSURE", "BULLYING_OR_CRIME_VICTIM"}

# PIPL Art. 29, 31: the guardian's separate consent to share the police note with the school (recorded by the
# consent capability; today's input carries none).
_note_consented if {
	some consent in input.consents
	"signal-sharing" in consent.purposes
	"police-note" in consent.categories
	"school" in consent.recipients
}

# --- who may know ------------------------------------------------------------------------------------

_may_know_resource if {
	_is_signal
	_routed_to_caller_school
}

_may_know_resource if {
	_is_signal
	_own_police_signal
}

_may_know_resource if {
	_is_signal
	_resource.state == "UNMATCHED"
	_is_bureau_analyst
	_in_principal_district(_resource.policeDistrictId)
}

_may_know_resource if {
	_is_signal
	_resource.escalated == true
	_is_bureau_analyst
	_in_principal_district(_resource.schoolDistrictId)
}

_may_know_resource if {
	_is_school_report
	_is_school_staff
	_own_school
}

_may_know_resource if {
	_is_school_report
	_is_police
	_resource.policeAgencyId == _principal.agencyId
}

# --- grants ------------------------------------------------------------------------------------------

# R52: a police bureau's own system raises signals in its own name.
_granted if {
	input.action == "signal.raise"
	_resource.type == "signal-intake"
	_is_police_system
	_resource.policeAgencyId == _principal.agencyId
}

_granted if {
	input.action == "signal.list"
	_resource.type == "collection"
	_resource.of == "signal"
	_signal_lister
}

# R52: the school's psychology staff read what was routed to their school.
_granted if {
	input.action == "signal.read"
	_is_signal
	_routed_to_caller_school
}

# The police read the status of their own signals, nothing more.
_granted if {
	input.action == "signal.read-status"
	_is_signal
	_own_police_signal
}

# PIPL Art. 23: the bureau holds the signals no school may receive yet, for its district's police.
_granted if {
	input.action == "signal.read-unmatched"
	_is_signal
	_resource.state == "UNMATCHED"
	_is_bureau_analyst
	_in_principal_district(_resource.policeDistrictId)
}

# A missed acknowledgement deadline escalates to the bureau of the school's district.
_granted if {
	input.action == "signal.read-escalation"
	_is_signal
	_resource.escalated == true
	_is_bureau_analyst
	_in_principal_district(_resource.schoolDistrictId)
}

# Whether the signal still awaits acknowledgement is the state machine's to say (INVALID_TRANSITION).
_granted if {
	input.action == "signal.acknowledge"
	_is_signal
	_routed_to_caller_school
}

# R53: the police guide the school's intervention on their own signal once a school has it.
_granted if {
	input.action == "signal.guide"
	_is_signal
	_resource.state in {"ROUTED", "ACKNOWLEDGED"}
	_own_police_signal
}

_granted if {
	input.action == "signal.open-note"
	_is_signal
	_routed_to_caller_school
	_note_basis_holds
}

# R56, Minors Protection Law Art. 11: a school reports to the police of its own district.
_granted if {
	input.action == "signal.report-to-police"
	_is_school_report
	_is_school_staff
	_own_school
	_resource.policeDistrictId == _resource.schoolDistrictId
}

_granted if {
	input.action == "signal.list-reports"
	_resource.type == "collection"
	_resource.of == "school-report"
	_report_lister
}

_granted if {
	input.action == "signal.read-report"
	_is_school_report
	_is_school_staff
	_own_school
}

_granted if {
	input.action == "signal.read-report"
	_is_school_report
	_is_police
	_resource.policeAgencyId == _principal.agencyId
}

_granted if {
	input.action == "signal.acknowledge-report"
	_is_school_report
	_is_police
	_resource.policeAgencyId == _principal.agencyId
}

_signal_lister if _is_school_staff

_signal_lister if _is_police

_signal_lister if _is_bureau_analyst

_report_lister if _is_school_staff

_report_lister if _is_police

# --- the lawful basis for opening the police note ----------------------------------------------------

_note_basis_holds if {
	_resource.noteBasis == "STATUTORY_DUTY"
	_resource.category in _school_duty_categories
}

_note_basis_holds if {
	_resource.noteBasis == "CONSENT"
	_note_consented
}

# PIPL Art. 13(4): a declared emergency (break-glass) to protect the child's life or health.
_note_basis_holds if {
	_resource.noteBasis == "EMERGENCY"
	input.emergency == true
}

# --- denials that say what is missing ----------------------------------------------------------------

_denials contains "the statutory duty opens the police note only for domestic violence, bullying or crimes against the child" if {
	input.action == "signal.open-note"
	_routed_to_caller_school
	_resource.noteBasis == "STATUTORY_DUTY"
	not _resource.category in _school_duty_categories
}

_denials contains "no guardian consent to share the police note with the school is on record" if {
	input.action == "signal.open-note"
	_routed_to_caller_school
	_resource.noteBasis == "CONSENT"
	not _note_consented
}

_denials contains "no emergency has been declared" if {
	input.action == "signal.open-note"
	_routed_to_caller_school
	_resource.noteBasis == "EMERGENCY"
	not input.emergency == true
}

_denials contains "no police bureau of the school's district is registered with the hub" if {
	input.action == "signal.report-to-police"
	_is_school_report
	_is_school_staff
	_own_school
	_resource.policeDistrictId != _resource.schoolDistrictId
}

# The police note is opened only with a written reason, kept with the opening (signal_note_openings).
_obligations contains "require-justification" if input.action == "signal.open-note"

# --- fields ------------------------------------------------------------------------------------------

_school_signal_fields := {
	"id", "subjectId", "schoolAgencyId", "policeAgencyId", "category", "severity", "observedAt", "receivedAt",
	"episodeId", "state", "acknowledgeBy", "overdue", "escalatedAt", "acknowledgedAt", "actions",
	"acknowledgement", "guidance", "hasNote",
}

_fields_for_role := _school_signal_fields if {
	input.action in {"signal.read", "signal.acknowledge", "signal.open-note"}
	_is_signal
	_routed_to_caller_school
}

_fields_for_role := {"id", "sourceId", "state", "overdue", "acknowledgedAt", "actions", "receivedAt"} if {
	input.action in {"signal.read-status", "signal.guide", "signal.raise"}
	_is_police
}

_fields_for_role := {"id", "policeAgencyId", "category", "severity", "receivedAt", "state"} if {
	input.action == "signal.read-unmatched"
	_is_bureau_analyst
}

_fields_for_role := {"id", "schoolAgencyId", "category", "severity", "acknowledgeBy", "escalatedAt", "acknowledgedAt", "state"} if {
	input.action == "signal.read-escalation"
	_is_bureau_analyst
}

_fields_for_role := {
	"id", "schoolAgencyId", "policeAgencyId", "subjectId", "kind", "summary", "reportedBy", "reportedAt",
	"acknowledgedAt", "acknowledgedBy",
} if {
	input.action in {"signal.read-report", "signal.report-to-police"}
	_is_school_report
	_is_school_staff
}

_fields_for_role := {"id", "schoolAgencyId", "subjectId", "kind", "summary", "reportedAt", "acknowledgedAt"} if {
	input.action in {"signal.read-report", "signal.acknowledge-report"}
	_is_school_report
	_is_police
}
