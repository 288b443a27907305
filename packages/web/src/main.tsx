import "@mantine/core/styles.css";
import "./global.css";
import { MantineProvider } from "@mantine/core";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { createBrowserRouter, RouterProvider } from "react-router";
import { ApiError, setUnauthorizedHandler } from "./api/client.ts";
import { initI18n } from "./i18n/index.ts";
import { routes } from "./routes.tsx";
import { loginPath } from "./session/session.tsx";
import { cssVariablesResolver, theme } from "./theme.ts";

initI18n();

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      refetchOnWindowFocus: false,
      // A 4xx will not get better by asking again; a network blip or 5xx might.
      retry: (failures, error) =>
        !(error instanceof ApiError && error.status >= 400 && error.status < 500) && failures < 2,
    },
  },
});

const router = createBrowserRouter(routes);

// The session ended (expired, signed out elsewhere): to the login, and back here afterwards.
setUnauthorizedHandler(() => {
  if (window.location.pathname.startsWith("/login")) return;
  const target = loginPath(window.location);
  queryClient.clear();
  void router.navigate(target, { replace: true });
});

const root = document.getElementById("root");
if (!root) throw new Error("no #root element");
createRoot(root).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={cssVariablesResolver} defaultColorScheme="light">
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>
  </StrictMode>,
);
