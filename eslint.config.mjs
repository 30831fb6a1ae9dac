// ESLint: typescript-eslint with type information, plus Pulumi's rules (no Outputs in template literals).
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
    {
        ignores: [
            "node_modules/**",
            "bin/**",
            "policypack/node_modules/**",
            "oidc/node_modules/**",
            "reports/**",
            ".stryker-tmp/**",
            "**/*.js",
            "**/*.mjs",
        ],
    },
    ...tseslint.configs.recommendedTypeChecked,
    {
        languageOptions: {
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        plugins: { pulumi },
        rules: {
            "pulumi/no-output-in-template-literal": "error",
            "pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
        },
    },
    {
        // Tests read mock-recorded inputs, which are untyped JSON by nature.
        files: ["test/**/*.ts", "scripts/**/*.ts", "tools/**/*.ts"],
        rules: {
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-unsafe-assignment": "off",
            "@typescript-eslint/no-unsafe-member-access": "off",
            "@typescript-eslint/no-unsafe-call": "off",
            "@typescript-eslint/no-unsafe-argument": "off",
            "@typescript-eslint/no-unsafe-return": "off",
            "@typescript-eslint/no-non-null-assertion": "off",
            // chai assertions such as `expect(x).to.be.empty` are expressions.
            "@typescript-eslint/no-unused-expressions": "off",
        },
    },
);
