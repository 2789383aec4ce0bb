const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

// Day name, day, month, year, hour, minute, optional second, zone.
const RFC_2822_DATE = new RegExp(
  `^(?:(${DAY_NAMES.join('|')}), )?(\\d{1,2}) (${MONTH_NAMES.join('|')}) (\\d{4}) ` +
    '(\\d{2}):(\\d{2})(?::(\\d{2}))? ([+-]\\d{4}|UT|GMT)$',
);

/**
 * Parses an RFC 2822 date such as "Fri, 18 Oct 2019 17:02:00 +0000", the form Twilio sends.
 * Also accepts the HTTP IMF-fixdate form ("... GMT"). Returns null for anything else, including
 * impossible dates, a day name that does not match the date, and RFC 2822's obsolete zone names.
 */
export function parseRfc2822Date(text: string): Date | null {
  const match = RFC_2822_DATE.exec(text);
  if (match === null) {
    return null;
  }
  const [, dayName, dayText, monthName, yearText, hourText, minuteText, secondText, zone] = match;

  const year = Number(yearText);
  const month = MONTH_NAMES.indexOf(monthName as (typeof MONTH_NAMES)[number]);
  const day = Number(dayText);
  const hour = Number(hourText);
  const minute = Number(minuteText);
  const second = secondText === undefined ? 0 : Number(secondText);
  // Twilio's calls are all from this century; other years mean a broken value.
  if (hour > 23 || minute > 59 || second > 59 || year < 1970) {
    return null;
  }

  const offsetMinutes = parseZoneOffset(zone ?? '');
  if (offsetMinutes === null) {
    return null;
  }

  // Date.UTC reads years 0 to 99 as 1900 to 1999; setUTCFullYear takes the year as given.
  const local = new Date(Date.UTC(2000, month, day, hour, minute, second));
  local.setUTCFullYear(year);
  const localMillis = local.getTime();
  // Date.UTC rolls 31 Feb over into March, so a changed day means the date does not exist.
  if (local.getUTCDate() !== day || local.getUTCMonth() !== month) {
    return null;
  }
  if (dayName !== undefined && DAY_NAMES[local.getUTCDay()] !== dayName) {
    return null;
  }
  return new Date(localMillis - offsetMinutes * 60_000);
}

/** Formats a date the way Twilio does: "Fri, 18 Oct 2019 17:02:00 +0000", always in UTC. */
export function formatRfc2822Date(date: Date): string {
  const pad = (value: number): string => String(value).padStart(2, '0');
  const dayName = DAY_NAMES[date.getUTCDay()];
  const monthName = MONTH_NAMES[date.getUTCMonth()];
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${dayName}, ${pad(date.getUTCDate())} ${monthName} ${date.getUTCFullYear()} ${time} +0000`;
}

function parseZoneOffset(zone: string): number | null {
  if (zone === 'UT' || zone === 'GMT') {
    return 0;
  }
  const sign = zone.startsWith('-') ? -1 : 1;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(3, 5));
  if (hours > 23 || minutes > 59) {
    return null;
  }
  return sign * (hours * 60 + minutes);
}
