export * from "./buckets";
export * from "./pipeline";
export * from "./document";
export * from "./workload";
export * from "./trust";
