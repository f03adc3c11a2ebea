import type { FastifyInstance, FastifyReply } from 'fastify';
import type { VNode } from 'preact';
import { noteAudit } from '../audit/hooks.js';
import type { RouteDeps } from '../deps.js';
import type { AppError } from '../http/errors.js';
import { type IdRequest, routeId } from '../http/input.js';
import { bodySource, wantsJson } from '../http/negotiate.js';
import { sendDone, sendPage } from '../http/respond.js';
import { typedText } from '../views/submitted.js';
import { serverOf, serverRoute } from './access.js';
import { parseMemberChange, parseNewMember } from './input.js';
import { addMember, changeMember, listMembers, type Member, removeMember } from './members.js';
import type { ServerPageFocus } from './views/page-focus.js';

/** A member as the audit log records them. */
const memberDetail = ({ user_id, username, permissions }: Member) => ({ user_id, username, permissions });

type MemberRequest = IdRequest & { params: { user_id: string } };

const membersUrl = '/servers/:id/members';
const memberUrl = `${membersUrl}/:user_id`;

/**
 * Sharing a server (design/accounts.md): only its owner or an admin lists, adds, changes and removes
 * members (the `members` action). A change reaches the member's open streams at once (AccessWatch).
 */
export function registerMemberRoutes(
  app: FastifyInstance,
  { database, accessWatch }: Pick<RouteDeps, 'database' | 'accessWatch'>,
  detailPage: (request: IdRequest, error?: AppError, focus?: ServerPageFocus) => Promise<VNode>,
) {
  const { db } = database;
  const manage = serverRoute('members');
  const onPage = (serverId: number) => `/servers/${serverId}#members`;
  const memberId = (request: MemberRequest) => routeId(request.params.user_id, 'member');

  app.get<{ Params: { id: string } }>(membersUrl, manage, async (request, reply) => {
    if (wantsJson(request)) return { members: await listMembers(db, serverOf(request).row.id) };
    return sendPage(request, reply, await detailPage(request, undefined, { section: 'members' }));
  });

  app.post<{ Params: { id: string } }>(
    membersUrl,
    serverRoute('members', { action: 'member.add' }),
    async (request, reply) => {
      request.formOnError = (error) =>
        detailPage(request, error, { section: 'members', member: typedText(request.body, 'username') });
      const { row } = serverOf(request);
      const member = await addMember(db, row, parseNewMember(request.body, bodySource(request)));
      noteAudit(request, { detail: memberDetail(member) });
      return sendDone(request, reply, {
        status: 201,
        body: member,
        location: onPage(row.id),
        notice: `${member.username} can now see ${row.name}.`,
      });
    },
  );

  const change = async (request: MemberRequest, reply: FastifyReply) => {
    request.formOnError = (error) => detailPage(request, error, { section: 'members' });
    const { row } = serverOf(request);
    const userId = memberId(request);
    const member = await changeMember(
      db,
      row.id,
      userId,
      parseMemberChange(request.body, bodySource(request)),
    );
    noteAudit(request, { detail: memberDetail(member) });
    accessWatch.changed(row.id, userId, false);
    return sendDone(request, reply, {
      status: 200,
      body: member,
      location: onPage(row.id),
      notice: `Permissions of ${member.username} saved.`,
    });
  };
  const changing = serverRoute('members', { action: 'member.update' });
  app.patch<{ Params: { id: string; user_id: string } }>(memberUrl, changing, change);
  app.post<{ Params: { id: string; user_id: string } }>(memberUrl, changing, change);

  const remove = async (request: MemberRequest, reply: FastifyReply) => {
    const { row } = serverOf(request);
    const userId = memberId(request);
    const username = await removeMember(db, row.id, userId);
    noteAudit(request, { detail: { user_id: userId, username } });
    // Their streams stop showing it now, not when they reconnect.
    accessWatch.changed(row.id, userId, true);
    return sendDone(request, reply, {
      status: 204,
      location: onPage(row.id),
      notice: `${username} no longer sees ${row.name}.`,
    });
  };
  const removing = serverRoute('members', { action: 'member.remove' });
  app.delete<{ Params: { id: string; user_id: string } }>(memberUrl, removing, remove);
  app.post<{ Params: { id: string; user_id: string } }>(`${memberUrl}/delete`, removing, remove);
}
