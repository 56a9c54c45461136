// Lint rules (`npm run lint`): the ESLint and typescript-eslint recommendations, tuned as the Effect repository
// tunes them. Formatting is Prettier's job (.prettierrc.json), so no rule here is about layout.
import js from "@eslint/js"
import tseslint from "typescript-eslint"

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "docs/api/**", "coverage/**", ".scratch/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,mts,cts,js,mjs,cjs}"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module" },
    rules: {
      // TypeScript already checks names and redeclarations; Effect generators often yield nothing on purpose.
      "no-undef": "off",
      "no-redeclare": "off",
      "require-yield": "off",
      "object-shorthand": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/array-type": ["error", { default: "generic", readonly: "generic" }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-namespace": "off",
      "@typescript-eslint/no-empty-object-type": "off"
    }
  },
  {
    // Library code: no stray output, no `any`.
    files: ["packages/*/src/**/*"],
    rules: {
      "no-console": "error",
      "@typescript-eslint/no-explicit-any": "error"
    }
  }
)
