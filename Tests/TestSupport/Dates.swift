public import Dates
import Postgres

/// A calendar date written in a test, which is known to be real.
public func date(_ year: Int, _ month: Int, _ day: Int) -> CalendarDate {
    guard let date = CalendarDate(year: year, month: month, day: day) else {
        preconditionFailure("\(year)-\(month)-\(day) is not a real day")
    }
    return date
}
