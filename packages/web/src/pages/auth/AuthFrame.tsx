import { Center, Group, Paper, Stack, Text, Title } from "@mantine/core";
import { type ReactNode, useEffect } from "react";
import { LanguageSwitch } from "../../layout/LanguageSwitch.tsx";

/** The frame of the signed-out pages: brand, language switch, one card. */
export function AuthFrame({ title, children }: { title: string; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Device Portal`;
  }, [title]);
  return (
    <Center mih="100vh" p="md" bg="gray.0">
      <Stack w="100%" maw={420} gap="md">
        <Group justify="space-between">
          <Group gap={8}>
            <img src="/favicon.svg" width={30} height={30} alt="" />
            <Text fw={700} size="lg">
              Device Portal
            </Text>
          </Group>
          <LanguageSwitch />
        </Group>
        <Paper withBorder shadow="sm" p="xl" radius="md" component="main">
          <Title order={1} fz="h3" mb="md">
            {title}
          </Title>
          {children}
        </Paper>
      </Stack>
    </Center>
  );
}

/** Only paths inside the app: `next` must not send the user to another site. */
export function safeNext(next: string | null): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return next;
}
