import type { RouteObject } from "react-router";
import { NotFoundPage, RequirePlatform, RequireRight, RouteError } from "./components/NotFound.tsx";
import { FullPageLoader } from "./components/states.tsx";
import { AppLayout } from "./layout/AppLayout.tsx";
import { RequireSession } from "./session/session.tsx";

/** Lazily loaded page: its code (and its charts) download on first visit only. */
function page<K extends string>(load: () => Promise<Record<K, React.ComponentType>>, name: K) {
  return async () => ({ Component: (await load())[name] });
}

/** The one route table of the web app. Pages outside the user's rights render as "not found". */
export const routes: RouteObject[] = [
  {
    errorElement: <RouteError />,
    HydrateFallback: FullPageLoader,
    children: [
      { path: "/login", lazy: page(() => import("./pages/auth/LoginPage.tsx"), "LoginPage") },
      {
        path: "/forgot-password",
        lazy: page(() => import("./pages/auth/ForgotPasswordPage.tsx"), "ForgotPasswordPage"),
      },
      {
        path: "/reset-password",
        lazy: page(() => import("./pages/auth/ResetPasswordPage.tsx"), "ResetPasswordPage"),
      },
      {
        path: "/",
        element: (
          <RequireSession>
            <AppLayout />
          </RequireSession>
        ),
        children: [
          {
            errorElement: <RouteError />,
            children: [
              { path: "profile", lazy: page(() => import("./pages/profile/ProfilePage.tsx"), "ProfilePage") },
              {
                element: <RequireRight activity="fleet" />,
                children: [
                  {
                    index: true,
                    lazy: page(() => import("./pages/dashboard/DashboardPage.tsx"), "DashboardPage"),
                  },
                  {
                    path: "devices",
                    lazy: page(() => import("./pages/devices/DeviceListPage.tsx"), "DeviceListPage"),
                  },
                  {
                    path: "devices/:deviceId",
                    lazy: page(() => import("./pages/devices/DevicePage.tsx"), "DevicePage"),
                  },
                ],
              },
              {
                element: <RequireRight activity="service" />,
                children: [
                  {
                    path: "alerts",
                    lazy: page(() => import("./pages/service/AlertsPage.tsx"), "AlertsPage"),
                  },
                ],
              },
              {
                element: <RequireRight activity="supplies" />,
                children: [
                  {
                    path: "supplies",
                    lazy: page(() => import("./pages/service/SuppliesPage.tsx"), "SuppliesPage"),
                  },
                ],
              },
              {
                element: <RequireRight activity="collectors" />,
                children: [
                  {
                    path: "collectors",
                    lazy: page(() => import("./pages/collectors/CollectorListPage.tsx"), "CollectorListPage"),
                  },
                  {
                    path: "collectors/:collectorId",
                    lazy: page(() => import("./pages/collectors/CollectorPage.tsx"), "CollectorPage"),
                  },
                ],
              },
              {
                element: <RequireRight activity="collectors" access="write" />,
                children: [
                  {
                    path: "collector-settings/:level/:scopeId",
                    lazy: page(() => import("./pages/collectors/SettingsPage.tsx"), "SettingsPage"),
                  },
                ],
              },
              {
                element: <RequireRight activity="tenants" />,
                children: [
                  {
                    element: <RequirePlatform />,
                    children: [
                      {
                        path: "accounts",
                        lazy: page(() => import("./pages/tenants/AccountsPage.tsx"), "AccountsPage"),
                      },
                    ],
                  },
                  {
                    path: "customers",
                    lazy: page(() => import("./pages/tenants/CustomersPage.tsx"), "CustomersPage"),
                  },
                  { path: "sites", lazy: page(() => import("./pages/tenants/SitesPage.tsx"), "SitesPage") },
                ],
              },
              {
                element: <RequireRight activity="users" />,
                children: [
                  { path: "users", lazy: page(() => import("./pages/tenants/UsersPage.tsx"), "UsersPage") },
                ],
              },
              {
                element: <RequireRight activity="audit" />,
                children: [
                  { path: "audit", lazy: page(() => import("./pages/audit/AuditPage.tsx"), "AuditPage") },
                ],
              },
              { path: "*", Component: NotFoundPage },
            ],
          },
        ],
      },
    ],
  },
];
