import { type CSSVariablesResolver, createTheme, type MantineColorsTuple } from "@mantine/core";

// The brand blue; shade 7 carries white text at more than 4.5:1 (WCAG AA).
const brand: MantineColorsTuple = [
  "#e8f2fb",
  "#cfe1f3",
  "#a0c2e8",
  "#6ca1dd",
  "#4286d3",
  "#2876cd",
  "#1a6dcb",
  "#0f5cb3",
  "#0052a1",
  "#00468f",
];

export const theme = createTheme({
  primaryColor: "brand",
  primaryShade: { light: 7, dark: 5 },
  colors: { brand },
  defaultRadius: "md",
  autoContrast: true,
  fontFamily:
    "Inter, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Noto Sans', sans-serif",
  headings: { fontWeight: "650" },
  focusRing: "auto",
});

/** Mantine's default dimmed grey is under 4.5:1 on white; one shade darker passes. */
export const cssVariablesResolver: CSSVariablesResolver = () => ({
  variables: {},
  light: {
    "--mantine-color-dimmed": "var(--mantine-color-gray-7)",
    "--mantine-color-placeholder": "var(--mantine-color-gray-6)",
  },
  dark: {},
});
