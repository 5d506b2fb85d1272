/** Accounts: users, locations, memberships, dashboard sessions. */
export { authenticate } from "./authenticate.js";
export { changePassword } from "./change-password.js";
export { removeStaleSigninAttempts, SIGNIN_FAILURES_KEEP_MS } from "./cleanup.js";
export { createLocation } from "./create-location.js";
export { createUser } from "./create-user.js";
export {
  answerInvitation,
  cancelInvitation,
  type InvitationView,
  listLocationInvitations,
  listMyInvitations,
  type PendingInvitationView,
} from "./invitations.js";
export {
  type AddMemberOutcome,
  addMember,
  INVITATION_TTL_MS,
  listUserLocations,
  removeMember,
  renameLocation,
  type Role,
  roleIn,
} from "./members.js";
export type { LocationView, UserView } from "./presenters.js";
export {
  endSession,
  type ResolvedSession,
  resolveSession,
  SESSION_TTL_MS,
  startSession,
} from "./sessions.js";
export { listMembers, type MemberView } from "./list-members.js";
export { setAdmin } from "./set-admin.js";
export { setUserDisabled } from "./set-user-disabled.js";
export { setUserPassword } from "./set-user-password.js";
export { PASSWORD_MAX, PASSWORD_MIN } from "./password.js";
export { needsSetup, setupInstance } from "./setup-instance.js";
export { countryOfTimeZone } from "./zone-countries.js";
export { suggestTimeZone } from "./validate.js";
export {
  findUserByEmail,
  listUsers,
  type PhoneEndpoint,
  phoneEndpoint,
  recordPhoneEndpoint,
  secretKey,
} from "./lookups.js";
