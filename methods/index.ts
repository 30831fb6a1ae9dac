import type { Method } from "../config";
import { cloudformation } from "./cloudformation";
import { terraform } from "./terraform";
import type { DeploymentMethod } from "./types";

/** The deployment methods, by config name: each holds its cicd part, its target roles, its files. */
export const METHODS: Readonly<Record<Method, DeploymentMethod>> = { terraform, cloudformation };

export type * from "./types";
