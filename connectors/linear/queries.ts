/**
 * Every GraphQL document the Linear connector sends, as string constants.
 * Each one is validated against `schema/linear.graphql` (Linear's published
 * SDL) in `test/unit/connectors/linear/queries.test.ts`: a renamed field
 * fails the test.
 *
 * Complexity (Linear: 0.1 per scalar, 1 per object, connections multiply
 * their children by `first`, default 50; 10,000 max per query), estimated for
 * `ISSUES_PAGE` at `first: 250`:
 *   per issue: node 1 + 15 scalars 1.5 + state 1.2 + cycle 1.8
 *   + project 1.2 + projectMilestone 1.2 + assignee 1.1
 *   + comments(first: 10){nodes{id}} ≈ 12 → ≈ 21 × 250 ≈ 5,250,
 *   plus the label dictionary issueLabels(first: 250){nodes{id name}} ≈ 300,
 *   plus the customer requests (below) ≈ 470, plus the team once ≈ 2:
 *   ≈ 6,055 of 10,000. The sandbox
 *   computes this estimate for every request (`x-complexity` header); a test
 *   pins the page.
 *
 * Customer requests (issue #17): selected inline on every issue,
 * `needs(first: 2){nodes{priority createdAt customer{name revenue size tier{name}}}}`
 * cost ≈ 8.2 per issue, ≈ 2,050 a page, although most issues have none; a
 * 10,000-issue first sync then needed ≈ 317,000 points, more than the
 * conservative 250,000-an-hour budget. Now the same request carries a second,
 * small `issues` connection (`withNeeds`) restricted to the issues that have
 * needs (`needs: { length: { gt: 0 } }`) inside the page's `updatedAt` range
 * (`since` to where the previous page ended), with the same `needs(first: 2)`
 * selection: `NEEDS_PAGE` (50) such issues cost ≈ 470. A page with more issues
 * with needs than that pages `withNeeds` on (`ISSUES_WITH_NEEDS`, one request
 * per further 50), so every issue still gets its first two requests, the
 * evidence is what the inline selection gave, and the sync stays one request
 * per page otherwise. (A separate `customerNeeds(filter: {issue: {id: {in}}})`
 * query per page would double the requests; a per-run walk of the team's needs
 * cannot be attached to issues delivered a page at a time.)
 *
 * Why the team once per page (`pageTeam`) instead of `team { id key }` per
 * issue: a page is one team's issues (the filter says so), and 1.2 points ×
 * 250 issues was 300 points a page for the same key.
 *
 * Why `labelIds` + a label dictionary instead of `labels { nodes { name } }`
 * per issue: a labels connection costs `first × 1.1` per issue (10 labels =
 * 11 points × 250 issues), the scalar `labelIds` list costs 0.1. The
 * dictionary of the team's and the workspace's labels rides in the same
 * request, so a page stays one request.
 *
 * Why `comments(first: 10) { nodes { id } }`: `CommentConnection` has no
 * count field, so the cheapest valid count is ids of a bounded page; the
 * count saturates at 10 (scoring only asks "5 or more").
 */

/** Comment count saturates here (see above). */
export const COMMENT_COUNT_CAP = 10;
/** Customer requests read per issue (see above). */
export const CUSTOMER_NEEDS_CAP = 2;
/** Issues with customer requests read per `withNeeds` page (see above). */
export const NEEDS_PAGE = 50;
/** Labels fetched per dictionary page. */
export const LABEL_PAGE = 250;

const ISSUE_FIELDS = /* GraphQL */ `
  id
  identifier
  url
  title
  description
  priority
  priorityLabel
  estimate
  createdAt
  updatedAt
  completedAt
  canceledAt
  reactionData
  labelIds
  state { name type }
  cycle { id number name startsAt endsAt isActive isNext isFuture isPast }
  project { id name }
  projectMilestone { id name }
  assignee { id }
  comments(first: ${COMMENT_COUNT_CAP}) { nodes { id } }
  startedAt
`;

/** The issue's team: on `ISSUE_BY_ID`; a sync page (one team) reads it once (`pageTeam`). */
const TEAM_FIELD = /* GraphQL */ `
  team { id key }
`;

/** An issue's customer requests: the first `CUSTOMER_NEEDS_CAP`, with the customer's revenue, size and tier. */
const NEEDS_FIELDS = /* GraphQL */ `
  needs(first: ${CUSTOMER_NEEDS_CAP}) { nodes { priority createdAt customer { name revenue size tier { name } } } }
`;

/**
 * The issues with customer requests in one sync page's range (`$needsFilter`, built by
 * `needsFilter`), most recently updated first like the page itself.
 */
const WITH_NEEDS = /* GraphQL */ `
  withNeeds: issues(first: ${NEEDS_PAGE}, after: $needsAfter, orderBy: updatedAt, filter: $needsFilter) {
    pageInfo { hasNextPage endCursor }
    nodes { id updatedAt ${NEEDS_FIELDS} }
  }
`;

const LABEL_DICTIONARY = /* GraphQL */ `
  labelDictionary: issueLabels(
    first: ${LABEL_PAGE}
    after: $labelsAfter
    filter: { or: [{ team: { id: { eq: $teamId } } }, { team: { null: true } }] }
  ) {
    nodes { id name }
    pageInfo { hasNextPage endCursor }
  }
`;

/**
 * One sync page: issues of a team updated at or after `$since`, in Linear's
 * `updatedAt` order, plus the label dictionary for `labelIds` and the page's
 * issues that have customer requests (`withNeeds`).
 */
export const ISSUES_PAGE = /* GraphQL */ `
  query BacklogAuditorIssues(
    $teamId: ID!
    $first: Int!
    $after: String
    $since: DateTimeOrDuration!
    $labelsAfter: String
    $needsFilter: IssueFilter!
    $needsAfter: String
  ) {
    issues(
      first: $first
      after: $after
      orderBy: updatedAt
      filter: { team: { id: { eq: $teamId } }, updatedAt: { gte: $since } }
    ) {
      pageInfo { hasNextPage endCursor }
      nodes { ${ISSUE_FIELDS} }
    }
    pageTeam: teams(first: 1, filter: { id: { eq: $teamId } }) { nodes { id key } }
    ${LABEL_DICTIONARY}
    ${WITH_NEEDS}
  }
`;

/** More issues with customer requests, when one page has more than `NEEDS_PAGE` of them. */
export const ISSUES_WITH_NEEDS = /* GraphQL */ `
  query BacklogAuditorIssuesWithNeeds($needsFilter: IssueFilter!, $needsAfter: String) {
    ${WITH_NEEDS}
  }
`;

/** More of the label dictionary, only when a workspace has more than `LABEL_PAGE` labels. */
export const LABELS_PAGE = /* GraphQL */ `
  query BacklogAuditorLabels($teamId: ID!, $labelsAfter: String) {
    ${LABEL_DICTIONARY}
  }
`;

/** One issue, with its labels by name (no dictionary needed). */
export const ISSUE_BY_ID = /* GraphQL */ `
  query BacklogAuditorIssue($id: String!) {
    issue(id: $id) {
      ${ISSUE_FIELDS}
      ${TEAM_FIELD}
      ${NEEDS_FIELDS}
      labels(first: 100) { nodes { id name } }
    }
  }
`;

/**
 * For `ensureLabels`: the issue's labels and the existing labels with the wanted names (team or
 * workspace). `$labelFilter` is built by `labelLookupFilter`: names compared with `eqIgnoreCase`
 * (Linear's StringComparator has no case-insensitive `in`), so "Constraint: Reliability" and
 * "constraint: reliability" are one label.
 */
export const LABEL_STATE = /* GraphQL */ `
  query BacklogAuditorLabelState($id: String!, $labelFilter: IssueLabelFilter!) {
    issue(id: $id) {
      id
      team { id }
      labels(first: 100) { nodes { id name } }
    }
    issueLabels(first: 100, filter: $labelFilter) {
      nodes { id name team { id } }
    }
  }
`;

export const LABEL_CREATE = /* GraphQL */ `
  mutation BacklogAuditorLabelCreate($input: IssueLabelCreateInput!) {
    issueLabelCreate(input: $input) {
      success
      issueLabel { id name }
    }
  }
`;

export const ISSUE_LABELS_UPDATE = /* GraphQL */ `
  mutation BacklogAuditorIssueLabels($id: String!, $input: IssueUpdateInput!) {
    issueUpdate(id: $id, input: $input) {
      success
      issue { id labels(first: 100) { nodes { id name } } }
    }
  }
`;

/** Our comment is found among the issue's comments by the marker in its body. */
export const ISSUE_COMMENTS = /* GraphQL */ `
  query BacklogAuditorComments($id: String!, $after: String) {
    issue(id: $id) {
      id
      comments(first: 100, after: $after) {
        nodes { id body }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
`;

export const COMMENT_CREATE = /* GraphQL */ `
  mutation BacklogAuditorCommentCreate($input: CommentCreateInput!) {
    commentCreate(input: $input) {
      success
      comment { id }
    }
  }
`;

export const COMMENT_UPDATE = /* GraphQL */ `
  mutation BacklogAuditorCommentUpdate($id: String!, $input: CommentUpdateInput!) {
    commentUpdate(id: $id, input: $input) {
      success
      comment { id }
    }
  }
`;

export const COMMENT_DELETE = /* GraphQL */ `
  mutation BacklogAuditorCommentDelete($id: String!) {
    commentDelete(id: $id) {
      success
      entityId
    }
  }
`;

/** What a grant reaches: the user, the workspace and its teams. */
export const DISCOVERY = /* GraphQL */ `
  query BacklogAuditorDiscovery {
    viewer { id name email }
    organization { id name urlKey }
    teams(first: 250) { nodes { id key name } }
  }
`;

/** Every document, by name, for the schema-validation test. */
export const ALL_DOCUMENTS: Record<string, string> = {
  ISSUES_PAGE,
  ISSUES_WITH_NEEDS,
  LABELS_PAGE,
  ISSUE_BY_ID,
  LABEL_STATE,
  LABEL_CREATE,
  ISSUE_LABELS_UPDATE,
  ISSUE_COMMENTS,
  COMMENT_CREATE,
  COMMENT_UPDATE,
  COMMENT_DELETE,
  DISCOVERY,
};

/** The `IssueLabelFilter` for LABEL_STATE: any of `names` (ignoring case), on the team or the workspace. */
export function labelLookupFilter(teamId: string, names: string[]): Record<string, unknown> {
  return {
    and: [{ or: names.map((n) => ({ name: { eqIgnoreCase: n } })) }, { or: [{ team: { id: { eq: teamId } } }, { team: { null: true } }] }],
  };
}

/**
 * The `IssueFilter` for `withNeeds`: the team's issues with at least one customer request, updated
 * at or after the run's `since` and, after the first page, at or before where the previous page
 * ended (`upTo`), so the connection starts at the page's first issue.
 */
export function needsFilter(teamId: string, since: string, upTo: string | null): Record<string, unknown> {
  return {
    team: { id: { eq: teamId } },
    updatedAt: upTo ? { gte: since, lte: upTo } : { gte: since },
    needs: { length: { gt: 0 } },
  };
}
