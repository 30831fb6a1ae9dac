export * from "./buckets";
export * from "./cicd";
export * from "./document";
export * from "./target";
export * from "./trust";
