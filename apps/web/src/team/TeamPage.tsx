import { can, grantableRoles, pickTeam, roleIn } from '../access/roles.js';
import type { Me } from '../api/paths.js';
import { useTeams } from '../api/queries.js';
import { TeamSwitcher } from '../apps/TeamSwitcher.js';
import { ProblemAlert } from '../problems/ProblemAlert.js';
import { PageTitle } from '../shell/PageTitle.js';
import { CreateTokenForm } from './CreateTokenForm.js';
import { InvitationsSection } from './InvitationsSection.js';
import { MembersSection } from './MembersSection.js';
import { MyInvitations } from './MyInvitations.js';
import { ProjectsSection } from './ProjectsSection.js';
import { TokensSection } from './TokensSection.js';

/**
 * `/team`: one of the user's teams (`?team=`): its projects for every member; its members,
 * invitations and API tokens for those who manage it (owners and admins; an installation owner
 * manages every team). Above them, the user's own pending invitations, if any.
 */
export function TeamPage({ me, team }: { me: Me; team: string | null }) {
  const teams = useTeams();
  const names = (teams.data ?? []).map((t) => t.name).sort();
  const current = pickTeam(names, team);
  const role = current === null ? null : roleIn(me, current);
  const manages = can(role, 'team:manage');

  return (
    <>
      <div className="page-head">
        <PageTitle title="Team">Team</PageTitle>
        {names.length > 1 && current !== null ? (
          <TeamSwitcher teams={names} current={current} page="team" />
        ) : null}
      </div>
      {me.kind === 'user' ? <MyInvitations /> : null}
      {teams.isPending ? <p aria-live="polite">Loading…</p> : null}
      {teams.isError ? <ProblemAlert error={teams.error} title="Could not load your teams" /> : null}
      {teams.isSuccess && current === null ? (
        <p>You are in no team yet: ask a team admin to invite you.</p>
      ) : null}
      {current !== null && role !== null ? (
        <p className="muted">
          Team <strong>{current}</strong>, where you are <strong>{role}</strong>.
        </p>
      ) : null}
      {current !== null && role !== null && !manages ? (
        <p>Only the team&apos;s owners and admins see and manage its members, invitations and API tokens.</p>
      ) : null}
      {current !== null && role !== null && manages ? (
        <>
          <MembersSection key={`members-${current}`} team={current} role={role} me={me.name} />
          <InvitationsSection
            key={`invitations-${current}`}
            team={current}
            role={role}
            roles={grantableRoles(role)}
          />
        </>
      ) : null}
      {current !== null && role !== null ? (
        <ProjectsSection key={`projects-${current}`} team={current} mayCreate={can(role, 'app:write')} />
      ) : null}
      {current !== null && role !== null && manages ? (
        <>
          <TokensSection key={`tokens-${current}`} team={current} role={role} />
          <CreateTokenForm key={`create-${current}`} team={current} roles={grantableRoles(role)} />
        </>
      ) : null}
    </>
  );
}
