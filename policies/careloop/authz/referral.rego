# Referrals
# The green channel from a school to a hospital or counselling centre and back to school: who may read a
# referral, who may take each step, and which fields each party sees.
# - Mental Health Law Art. 4: the referring school's psychology staff and the receiving agency only.
# - PIPL Art. 23: a referral goes only to the named recipient, and only that recipient acts on it.
# - PIPL Art. 6: least data; the receiving agency gets the case, not the school's people or its follow-ups;
#   the school gets treatment status and guidance, not clinical detail.
# - PIPL Art. 31 and the green-channel procedure: the written notice to the guardians comes first.
package careloop.authz

_is_referral if _resource.type == "referral"

_own_school if _resource.schoolAgencyId == _principal.agencyId

_addressed_to_caller if _resource.hospitalAgencyId == _principal.agencyId

# --- counselling slots ------------------------------------------------------------------------------
# A provider's offered times are no personal data: any school's staff may look for a free one; only the
# provider's own people publish, withdraw, or see which referral took a slot (PIPL Art. 6).

_is_slots if _resource.type == "counselling-slots"

_own_slots if _resource.providerAgencyId == _principal.agencyId

_slot_providers := {"hospital", "counselling-centre"}

_public_slot_fields := {"id", "providerAgencyId", "startsAt", "endsAt", "location", "booked"}

# --- who may know that a referral exists -----------------------------------------------------------

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

_may_know_resource if {
	_resource.type == "district"
	_is_bureau_analyst
	_in_principal_district(_resource.districtId)
}

# Counselling slots: schools look for free times; the provider knows its own.
_may_know_resource if {
	input.action == "referral.list-slots"
	_is_slots
	_is_school_staff
	_resource.providerAgencyType in _slot_providers
}

_may_know_resource if {
	_is_slots
	_is_receiving_staff
	_own_slots
}

_can_read_referral if {
	_is_referral
	_is_school_staff
	_own_school
}

_can_read_referral if {
	_is_referral
	_is_receiving_staff
	_addressed_to_caller
}

# The district bureau sees a referral of its schools only while a deadline on it is breached (escalation),
# and then without the child or the case (bureau fields below).
_can_read_referral if {
	_is_referral
	_is_bureau_analyst
	_resource.overdue == true
	_in_principal_district(_resource.schoolDistrictId)
}

# PIPL Arts. 31, 44-45: the guardian the school linked to the child may know where the child's referral stands.
# A guardian suspected of being the source of harm is shown nothing (Minors Protection Law Art. 11; consent.rego).
_can_read_referral if {
	_is_referral
	_guardian_of_child
}

# Steps the receiving agency takes: only the agency the referral is addressed to (PIPL Art. 23).
_receiving_steps := {
	"referral.accept", "referral.decline", "referral.schedule", "referral.record-no-show", "referral.record-attendance",
	"referral.start-treatment", "referral.admit", "referral.discharge", "referral.record-treatment-update",
	"referral.receive-recovery-certificate", "referral.transfer",
}

# Steps the referring school takes on its own case. The family may also bring the recovery certificate to school.
_school_steps := {
	"referral.re-engage", "referral.record-leave", "referral.start-return-review", "referral.decide-return",
	"referral.request-assessment", "referral.record-follow-up", "referral.close", "referral.withdraw",
	"referral.receive-recovery-certificate", "referral.transfer",
}

# --- what each action requires ---------------------------------------------------------------------

_granted if {
	input.action == "referral.read"
	_can_read_referral
}

_granted if {
	input.action == "referral.list"
	_resource.type == "collection"
	_is_school_staff
}

_granted if {
	input.action == "referral.list"
	_resource.type == "collection"
	_is_receiving_staff
}

_granted if {
	input.action == "referral.list"
	_resource.type == "collection"
	_is_bureau_analyst
}

# A guardian lists the referrals of the children they are linked to; each one is decided above.
_granted if {
	input.action == "referral.list"
	_resource.type == "collection"
	_is_guardian
}

_granted if {
	input.action == "referral.create"
	_is_referral
	_is_school_staff
	_own_school
	_resource.subjectSchoolAgencyId == _principal.agencyId
}

_granted if {
	input.action in _receiving_steps
	_is_referral
	_is_receiving_staff
	_addressed_to_caller
}

_granted if {
	input.action in _school_steps
	_is_referral
	_is_school_staff
	_own_school
}

# For counselling the school books one of the slots the recipient published, so it schedules the appointment
# itself; times of its own choosing are the recipient's to set.
_granted if {
	input.action == "referral.schedule"
	_is_referral
	_is_school_staff
	_own_school
	_resource.channel == "COUNSELLING"
	_resource.slotBooking == true
}

_granted if {
	input.action == "referral.counters"
	_resource.type == "district"
	_is_bureau_analyst
	_in_principal_district(_resource.districtId)
}

_granted if {
	input.action == "referral.list-slots"
	_is_slots
	_is_school_staff
	_resource.providerAgencyType in _slot_providers
}

_granted if {
	input.action in {"referral.publish-slots", "referral.list-slots", "referral.remove-slot"}
	_is_slots
	_is_receiving_staff
	_own_slots
}

# --- denials ----------------------------------------------------------------------------------------

# Outpatient care is given by designated hospitals; counselling also by community centres.
_recipient_types := {
	"OUTPATIENT": {"hospital"},
	"COUNSELLING": {"hospital", "counselling-centre"},
}

_denials contains "the recipient cannot receive referrals on this channel" if {
	input.action == "referral.create"
	not _resource.hospitalAgencyType in _recipient_types[_resource.channel]
}

_denials contains "the new recipient cannot receive referrals on this channel" if {
	input.action == "referral.transfer"
	not _resource.transferToAgencyType in _recipient_types[_resource.channel]
}

# The green channel requires the written mental-health status notice to the guardians before a referral;
# for children under 14 the guardians are also the ones who consent (PIPL Art. 31).
_denials contains "guardians must be notified in writing before a referral" if {
	input.action == "referral.create"
	_resource.guardianNoticeRecorded != true
}

# Only a case the crisis-assessment group placed in category 2 or 3, and judged beyond the school, is referred.
_denials contains "the crisis-assessment group must place the case in category 2 or 3" if {
	input.action == "referral.create"
	not _resource.assessmentCategory in {2, 3}
}

_denials contains "the crisis-assessment group must decide the case exceeds the school's capacity" if {
	input.action == "referral.create"
	_resource.exceedsSchoolCapacity != true
}

# --- least data -------------------------------------------------------------------------------------

_referral_fields := {
	"id", "code", "channel", "state", "subjectId", "reason", "assessment", "guardianNotice", "schoolAgencyId",
	"hospitalAgencyId", "createdAt", "updatedAt", "createdBy", "timeline", "declineReason", "withdrawReason",
	"appointment", "leave", "returnReview", "treatmentUpdates", "followUps", "breaches", "deliveryProblems",
}

# Treatment status and guidance in plain words reach the school; diagnosis codes and medication do not
# (Mental Health Law Art. 4) unless the guardian consented (below).
_treatment_fields_for_school := {
	"treatmentUpdates.sequence", "treatmentUpdates.kind", "treatmentUpdates.at", "treatmentUpdates.reportedBy",
	"treatmentUpdates.riskLevel", "treatmentUpdates.guidance", "treatmentUpdates.nextAppointmentAt",
	"treatmentUpdates.returnRecommendation",
}

_school_referral_fields := ((_referral_fields - {"treatmentUpdates"}) | _treatment_fields_for_school) | _consented_school_fields

# PIPL Arts. 29, 31; Mental Health Law Art. 4: the diagnosis and medication reach the school only under the
# guardian's separate consent to share treatment updates' clinical detail with the school.
default _consented_school_fields := set()

_consented_school_fields := {"treatmentUpdates.clinical"} if {
	some consent in input.consents
	"treatment-update-sharing" in consent.purposes
	"clinical-detail" in consent.categories
	"school" in consent.recipients
}

# PIPL Art. 13(4): in an emergency the school's crisis staff member who declared it sees the clinical detail too.
_consented_school_fields := {"treatmentUpdates.clinical"} if input.emergency == true

# The receiving agency needs the case, not the school's people: no creator, the timeline's actors only by agency,
# the assessment's structured results but not the interview or the family contact, the notice's date only, and
# nothing of the school's own follow-ups, leave records, return review or withdrawal reason.
_timeline_fields_for_recipient := {"timeline.sequence", "timeline.state", "timeline.action", "timeline.actorAgencyId", "timeline.at"}

_recipient_referral_fields := (((_referral_fields - {
	"createdBy", "timeline", "deliveryProblems", "assessment", "guardianNotice", "followUps", "leave", "returnReview",
	"withdrawReason",
}) | _timeline_fields_for_recipient) | {"assessment.category", "assessment.scales"}) | {"guardianNotice.givenAt"}

# The guardian sees the child's way through the green channel: where the child was referred, the state and its
# history by agency, the appointment, the hospital's guidance and return recommendation, the leave and the return
# decision with the commitments the family made, and the notice they were given. Not the school's case file (the
# reason and assessment in the staff's words, its follow-ups, who recorded what) nor the clinical detail, which the
# hospital discusses with the family itself (PIPL Art. 6, least data).
_guardian_referral_fields := {
	"id", "code", "channel", "state", "subjectId", "schoolAgencyId", "hospitalAgencyId", "createdAt", "updatedAt",
	"declineReason", "appointment", "leave.from", "leave.expectedReturn", "returnReview.decision",
	"returnReview.conditions", "returnReview.guardianCommitment", "returnReview.studentCommitment",
	"returnReview.decidedAt", "guardianNotice.givenAt", "guardianNotice.channel", "guardianNotice.acknowledgement",
	"guardianNotice.acknowledgedAt", "treatmentUpdates.sequence", "treatmentUpdates.kind", "treatmentUpdates.at",
	"treatmentUpdates.riskLevel", "treatmentUpdates.guidance", "treatmentUpdates.nextAppointmentAt",
	"treatmentUpdates.returnRecommendation",
} | _timeline_fields_for_recipient

# The bureau sees that a deadline was breached and where, never who or why.
_bureau_referral_fields := {"id", "state", "channel", "schoolAgencyId", "hospitalAgencyId", "createdAt", "updatedAt", "breaches"}

_fields_for_role := _school_referral_fields if {
	_is_referral
	_is_school_staff
}

_fields_for_role := _recipient_referral_fields if {
	_is_referral
	_is_receiving_staff
}

_fields_for_role := _guardian_referral_fields if {
	_is_referral
	_is_guardian
}

_fields_for_role := _bureau_referral_fields if {
	_is_referral
	_is_bureau_analyst
}

_fields_for_role := {"districtId", "counters"} if _resource.type == "district"

_fields_for_role := _public_slot_fields if {
	_is_slots
	_is_school_staff
}

_fields_for_role := _public_slot_fields | {"bookedReferralId", "createdAt", "createdBy"} if {
	_is_slots
	_is_receiving_staff
	_own_slots
}
