-- Working days in England and Wales: bank holidays as data, and a calendar numbering
-- working days so the working days between two dates is a subtraction.

CREATE TABLE bank_holiday (
    day     date PRIMARY KEY,
    name    text NOT NULL,
    region  text NOT NULL DEFAULT 'england-and-wales'
);

-- England and Wales bank holidays 2019-2028, as announced (with the one-off holidays of
-- 2020, 2022 and 2023). Later years are added by a later migration.
INSERT INTO bank_holiday (day, name) VALUES
    ('2019-01-01', 'New Year''s Day'),
    ('2019-04-19', 'Good Friday'),
    ('2019-04-22', 'Easter Monday'),
    ('2019-05-06', 'Early May bank holiday'),
    ('2019-05-27', 'Spring bank holiday'),
    ('2019-08-26', 'Summer bank holiday'),
    ('2019-12-25', 'Christmas Day'),
    ('2019-12-26', 'Boxing Day'),
    ('2020-01-01', 'New Year''s Day'),
    ('2020-04-10', 'Good Friday'),
    ('2020-04-13', 'Easter Monday'),
    ('2020-05-08', 'Early May bank holiday (VE day)'),
    ('2020-05-25', 'Spring bank holiday'),
    ('2020-08-31', 'Summer bank holiday'),
    ('2020-12-25', 'Christmas Day'),
    ('2020-12-28', 'Boxing Day (substitute day)'),
    ('2021-01-01', 'New Year''s Day'),
    ('2021-04-02', 'Good Friday'),
    ('2021-04-05', 'Easter Monday'),
    ('2021-05-03', 'Early May bank holiday'),
    ('2021-05-31', 'Spring bank holiday'),
    ('2021-08-30', 'Summer bank holiday'),
    ('2021-12-27', 'Christmas Day (substitute day)'),
    ('2021-12-28', 'Boxing Day (substitute day)'),
    ('2022-01-03', 'New Year''s Day (substitute day)'),
    ('2022-04-15', 'Good Friday'),
    ('2022-04-18', 'Easter Monday'),
    ('2022-05-02', 'Early May bank holiday'),
    ('2022-06-02', 'Spring bank holiday'),
    ('2022-06-03', 'Platinum Jubilee bank holiday'),
    ('2022-08-29', 'Summer bank holiday'),
    ('2022-09-19', 'Bank Holiday for the State Funeral of Queen Elizabeth II'),
    ('2022-12-26', 'Boxing Day'),
    ('2022-12-27', 'Christmas Day (substitute day)'),
    ('2023-01-02', 'New Year''s Day (substitute day)'),
    ('2023-04-07', 'Good Friday'),
    ('2023-04-10', 'Easter Monday'),
    ('2023-05-01', 'Early May bank holiday'),
    ('2023-05-08', 'Bank holiday for the coronation of King Charles III'),
    ('2023-05-29', 'Spring bank holiday'),
    ('2023-08-28', 'Summer bank holiday'),
    ('2023-12-25', 'Christmas Day'),
    ('2023-12-26', 'Boxing Day'),
    ('2024-01-01', 'New Year''s Day'),
    ('2024-03-29', 'Good Friday'),
    ('2024-04-01', 'Easter Monday'),
    ('2024-05-06', 'Early May bank holiday'),
    ('2024-05-27', 'Spring bank holiday'),
    ('2024-08-26', 'Summer bank holiday'),
    ('2024-12-25', 'Christmas Day'),
    ('2024-12-26', 'Boxing Day'),
    ('2025-01-01', 'New Year''s Day'),
    ('2025-04-18', 'Good Friday'),
    ('2025-04-21', 'Easter Monday'),
    ('2025-05-05', 'Early May bank holiday'),
    ('2025-05-26', 'Spring bank holiday'),
    ('2025-08-25', 'Summer bank holiday'),
    ('2025-12-25', 'Christmas Day'),
    ('2025-12-26', 'Boxing Day'),
    ('2026-01-01', 'New Year''s Day'),
    ('2026-04-03', 'Good Friday'),
    ('2026-04-06', 'Easter Monday'),
    ('2026-05-04', 'Early May bank holiday'),
    ('2026-05-25', 'Spring bank holiday'),
    ('2026-08-31', 'Summer bank holiday'),
    ('2026-12-25', 'Christmas Day'),
    ('2026-12-28', 'Boxing Day (substitute day)'),
    ('2027-01-01', 'New Year''s Day'),
    ('2027-03-26', 'Good Friday'),
    ('2027-03-29', 'Easter Monday'),
    ('2027-05-03', 'Early May bank holiday'),
    ('2027-05-31', 'Spring bank holiday'),
    ('2027-08-30', 'Summer bank holiday'),
    ('2027-12-27', 'Christmas Day (substitute day)'),
    ('2027-12-28', 'Boxing Day (substitute day)'),
    ('2028-01-03', 'New Year''s Day (substitute day)'),
    ('2028-04-14', 'Good Friday'),
    ('2028-04-17', 'Easter Monday'),
    ('2028-05-01', 'Early May bank holiday'),
    ('2028-05-29', 'Spring bank holiday'),
    ('2028-08-28', 'Summer bank holiday'),
    ('2028-12-25', 'Christmas Day'),
    ('2028-12-26', 'Boxing Day');

CREATE TABLE working_calendar (
    day                 date PRIMARY KEY,
    is_working_day      boolean NOT NULL,
    working_day_number  integer NOT NULL  -- working days on or before this day since 2015
);

-- Rebuilds the calendar from the weekends and bank_holiday; run again after adding holidays.
CREATE FUNCTION rebuild_working_calendar() RETURNS void LANGUAGE sql AS $$
    DELETE FROM working_calendar;
    INSERT INTO working_calendar (day, is_working_day, working_day_number)
    SELECT d::date, w, sum(w::int) OVER (ORDER BY d)::integer
    FROM generate_series(date '2015-01-01', date '2035-12-31', interval '1 day') AS d,
         LATERAL (SELECT extract(isodow FROM d) < 6
                         AND NOT EXISTS (SELECT 1 FROM bank_holiday b WHERE b.day = d::date)) AS x(w);
$$;

SELECT rebuild_working_calendar();

-- Working days from the day of ``started`` to the day of ``finished`` (UK local dates): 0
-- on the same day, 1 from a Monday to the Tuesday. NULL outside the calendar's range.
CREATE FUNCTION working_days_between(started timestamptz, finished timestamptz)
    RETURNS integer LANGUAGE sql STABLE PARALLEL SAFE
    RETURN (SELECT e.working_day_number - s.working_day_number
            FROM working_calendar s, working_calendar e
            WHERE s.day = (started AT TIME ZONE 'Europe/London')::date
              AND e.day = (finished AT TIME ZONE 'Europe/London')::date);

-- Repeat repairs and first-time fixes look for other repairs at the same home and trade.
CREATE INDEX repair_home_trade_idx ON repair (home_id, trade_code, reported_at);
