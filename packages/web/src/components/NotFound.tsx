import { Button, Stack, Text, Title } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { Link, Outlet, useRouteError } from "react-router";
import type { Access, Activity } from "../api/types.ts";
import { useSession } from "../session/session.tsx";

/** Unknown pages and pages the rights do not allow look the same: nothing to see here. */
export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <Stack align="center" py={64} gap="sm">
      <Title order={1} fz="h2">
        {t("error.pageNotFound")}
      </Title>
      <Text c="dimmed">{t("error.pageNotFoundHint")}</Text>
      <Button component={Link} to="/" variant="light">
        {t("nav.home")}
      </Button>
    </Stack>
  );
}

/** Renders the child routes only when the role grants `access` on `activity`. */
export function RequireRight({
  activity,
  access = "read",
}: {
  activity: Activity;
  access?: Exclude<Access, "none">;
}) {
  const session = useSession();
  return session.can(activity, access) ? <Outlet /> : <NotFoundPage />;
}

/** Only platform staff (accounts page). */
export function RequirePlatform() {
  const session = useSession();
  return session.scopeKind === "platform" ? <Outlet /> : <NotFoundPage />;
}

/** A route that failed to render or whose code could not be loaded (often: a new version was deployed). */
export function RouteError() {
  const { t } = useTranslation();
  const error = useRouteError() as Error | undefined;
  return (
    <Stack align="center" py={64} gap="sm" role="alert">
      <Title order={1} fz="h2">
        {t("error.pageFailed")}
      </Title>
      <Text c="dimmed" maw={520} ta="center">
        {error?.message ?? ""}
      </Text>
      <Button onClick={() => window.location.reload()}>{t("action.reload")}</Button>
    </Stack>
  );
}
