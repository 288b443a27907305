/** The agent never answered: wrong address, wrong community, filtered, or no SNMP at all. */
export class SnmpNoAnswerError extends Error {
  override name = "SnmpNoAnswerError";
}

/** The agent answered with something we cannot use (bad BER, error status for the whole PDU). */
export class SnmpBadAnswerError extends Error {
  override name = "SnmpBadAnswerError";
}

/** The agent answered but refused the SNMPv3 credentials (unknown user, wrong key, wrong protocol). */
export class SnmpAuthError extends Error {
  override name = "SnmpAuthError";
}
