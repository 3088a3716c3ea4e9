/**
 * A time a hospital or counselling centre offers for a first counselling session. The centre publishes free slots;
 * the referring school books one for its referral, which schedules the appointment (green-channel procedure:
 * counselling "by appointment", the school arranging it with the centre).
 */
export interface CounsellingSlot {
  id: string;
  /** The hospital or counselling centre that offers it. */
  providerAgencyId: string;
  startsAt: Date;
  endsAt: Date;
  /** Where the session takes place (a room, an address); not personal data. */
  location: string | null;
  /** The referral that booked it; null while free. Only the provider sees which one. */
  bookedReferralId: string | null;
  createdAt: Date;
  /** The provider's staff member or system that published it. */
  createdBy: string;
}
