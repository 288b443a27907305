import { Breadcrumbs, Group, Anchor as MantineAnchor, Stack, Text, Title } from "@mantine/core";
import { type ReactNode, useEffect } from "react";
import { Link } from "react-router";

export interface Crumb {
  label: string;
  to: string;
}

/** The same heading on every page: breadcrumbs, title, a line of context and the page's actions. */
export function PageHeader(props: {
  title: string;
  description?: ReactNode;
  actions?: ReactNode;
  crumbs?: Crumb[];
}) {
  useEffect(() => {
    document.title = `${props.title} · Device Portal`;
  }, [props.title]);
  return (
    <Stack gap={4} mb="lg">
      {props.crumbs && props.crumbs.length > 0 && (
        <Breadcrumbs separator="›" fz="sm">
          {props.crumbs.map((c) => (
            <MantineAnchor key={c.to} component={Link} to={c.to} size="sm">
              {c.label}
            </MantineAnchor>
          ))}
        </Breadcrumbs>
      )}
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        <Stack gap={2}>
          <Title order={1} fz="h2">
            {props.title}
          </Title>
          {props.description && (
            <Text c="dimmed" size="sm">
              {props.description}
            </Text>
          )}
        </Stack>
        {props.actions && <Group gap="xs">{props.actions}</Group>}
      </Group>
    </Stack>
  );
}
