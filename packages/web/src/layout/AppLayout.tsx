import {
  AppShell,
  Box,
  Burger,
  Group,
  Menu,
  NavLink,
  Progress,
  ScrollArea,
  Text,
  UnstyledButton,
  VisuallyHidden,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useEffect } from "react";
import { useTranslation } from "react-i18next";
import { Link, Outlet, useLocation, useNavigate, useNavigation } from "react-router";
import { post } from "../api/client.ts";
import {
  IconAccounts,
  IconAlert,
  IconAudit,
  IconBuilding,
  IconCollector,
  IconDashboard,
  IconLogout,
  IconPrinter,
  IconSite,
  IconSupply,
  IconUser,
  IconUsers,
} from "../components/icons.tsx";
import { useSession } from "../session/session.tsx";
import { LanguageSwitch } from "./LanguageSwitch.tsx";
import { navigationItems } from "./navigation.ts";

const icons: Record<string, ReactNode> = {
  dashboard: <IconDashboard />,
  devices: <IconPrinter />,
  alerts: <IconAlert />,
  supplies: <IconSupply />,
  collectors: <IconCollector />,
  accounts: <IconAccounts />,
  customers: <IconBuilding />,
  sites: <IconSite />,
  users: <IconUsers />,
  audit: <IconAudit />,
};

function Brand() {
  return (
    <Group gap={8} wrap="nowrap">
      <img src="/favicon.svg" width={26} height={26} alt="" />
      <Text fw={700} size="lg" visibleFrom="xs">
        Device Portal
      </Text>
    </Group>
  );
}

function UserMenu() {
  const { t } = useTranslation();
  const { me } = useSession();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const logout = useMutation({
    mutationFn: () => post("/auth/logout"),
    onSettled: () => {
      queryClient.clear();
      void navigate("/login", { replace: true });
    },
  });
  return (
    <Menu position="bottom-end" width={240}>
      <Menu.Target>
        <UnstyledButton aria-label={t("nav.userMenu")} px="xs" py={4} style={{ borderRadius: 8 }}>
          <Group gap={6} wrap="nowrap">
            <IconUser />
            <Text size="sm" fw={500} visibleFrom="sm" truncate maw={180}>
              {me.name || me.email}
            </Text>
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>
          {me.email}
          <br />
          {t(`role.${me.role}`)}
        </Menu.Label>
        <Menu.Item component={Link} to="/profile" leftSection={<IconUser size={16} />}>
          {t("nav.profile")}
        </Menu.Item>
        <Menu.Divider />
        <Menu.Item leftSection={<IconLogout size={16} />} onClick={() => logout.mutate()}>
          {t("nav.logout")}
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

/** The signed-in frame: header with scope, language and user menu; navigation the rights allow. */
export function AppLayout() {
  const { t } = useTranslation();
  const session = useSession();
  const [opened, { toggle, close }] = useDisclosure(false);
  const location = useLocation();
  const navigation = useNavigation();
  const items = navigationItems(session);

  // On a tablet the drawer closes once a link was followed.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every navigation on purpose
  useEffect(() => close(), [location.pathname, close]);

  const isActive = (to: string) =>
    to === "/"
      ? location.pathname === "/"
      : location.pathname === to || location.pathname.startsWith(`${to}/`);

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 232, breakpoint: "md", collapsed: { mobile: !opened } }}
      padding="lg"
    >
      <a href="#main" className="dp-skip-link">
        {t("nav.skipToContent")}
      </a>
      <AppShell.Header>
        {navigation.state === "loading" && (
          <Progress
            value={100}
            animated
            size={3}
            radius={0}
            pos="absolute"
            top={0}
            left={0}
            right={0}
            aria-hidden
          />
        )}
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="md"
              size="sm"
              aria-label={t(opened ? "nav.closeMenu" : "nav.openMenu")}
            />
            <Link to="/" aria-label={t("nav.home")} style={{ color: "inherit", textDecoration: "none" }}>
              <Brand />
            </Link>
            <Box visibleFrom="xs" pl="sm" style={{ borderLeft: "1px solid var(--mantine-color-gray-3)" }}>
              <VisuallyHidden>{t("nav.scope")}: </VisuallyHidden>
              <Text size="sm" c="dimmed" truncate maw={280}>
                {session.scopeName}
              </Text>
            </Box>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <LanguageSwitch />
            <UserMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t("nav.main")}>
        <AppShell.Section grow component={ScrollArea}>
          <nav aria-label={t("nav.main")}>
            {items.map((item) => (
              <NavLink
                key={item.key}
                component={Link}
                to={item.to}
                label={t(`nav.${item.key}`)}
                leftSection={icons[item.key]}
                active={isActive(item.to)}
                aria-current={isActive(item.to) ? "page" : undefined}
                style={{ borderRadius: 8 }}
              />
            ))}
          </nav>
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1} style={{ outline: "none" }}>
        <Box maw={1400} mx="auto">
          <Outlet />
        </Box>
      </AppShell.Main>
    </AppShell>
  );
}
