/**
 * The connector registry: a tracker id to its factory. A test checks that the
 * registry matches the tracker folders.
 */
import type { Tracker } from "../domain/types";
import { createGithubConnector } from "./github";
import { createJiraConnector } from "./jira";
import { createLinearConnector } from "./linear";
import type { ConnectorFactory } from "./types";

export const connectorFactories: Record<Tracker, ConnectorFactory> = {
  github: createGithubConnector,
  linear: createLinearConnector,
  jira: createJiraConnector,
};

export { ConnectorError, isConnectorError } from "./errors";
export type * from "./types";
